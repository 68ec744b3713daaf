"""Query shapes of the statistics API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, StrictStr


class StatsQuery(BaseModel):
    """`from`/`to`: local dates, both included (default: this month so far)."""

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    unit: StrictStr | None = Field(default=None, max_length=32)
    kind: Literal["party", "government", "mass", "township"] | None = None

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BridgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matrix_room: str = Field(min_length=3, max_length=255)
    # What the gate withholds leaves a neutral notice in the Matrix room (true) or nothing.
    notice_withheld: bool | None = None

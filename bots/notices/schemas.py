"""Inbound shapes of the notices API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr


class NoticeIn(BaseModel):
    """`POST /notices`. Required fields default to empty so that the service can say in
    Chinese what is missing."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = Field(default="", max_length=20_000)
    audience: list[StrictStr] = Field(default_factory=list, max_length=5000)
    ack_required: StrictBool = True
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    unit: StrictStr | None = None
    room: Annotated[StrictInt, Field(gt=0)] | None = None
    pin: StrictBool = False
    expires_at: StrictStr | None = None


class AckIn(BaseModel):
    """`POST /notices/{id}/ack`: the caller received it. `user`, if sent, must be the caller:
    nobody presses 收到 for someone else."""

    model_config = ConfigDict(extra="ignore")

    user: StrictStr | None = None


class NoticesQuery(BaseModel):
    box: Literal["all", "received", "sent"] = "all"
    expired: Literal["0", "1"] = "0"
    room: Annotated[int, Field(ge=1)] | None = None
    pinned: Literal["0", "1"] = "0"
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0

"""Inbound shapes of the meetings API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Minutes = Annotated[StrictInt, Field(ge=0, le=7 * 24 * 60)]


class MeetingIn(BaseModel):
    """`POST /meetings`. Required fields default to empty so that the service can say in
    Chinese what is missing."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    start: StrictStr = ""
    end: StrictStr = ""
    location: StrictStr = Field(default="", max_length=200)
    agenda: StrictStr = Field(default="", max_length=20_000)
    invitees: list[StrictStr] = Field(default_factory=list, max_length=2000)
    rsvp_by: StrictStr | None = None
    unit: StrictStr | None = None
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    remind_before_minutes: Minutes | None = None


class MeetingChangeIn(BaseModel):
    """`PATCH /meetings/{id}`: the fields to change; every invitee is told."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr | None = Field(default=None, max_length=1000)
    start: StrictStr | None = None
    end: StrictStr | None = None
    location: StrictStr | None = Field(default=None, max_length=200)
    agenda: StrictStr | None = Field(default=None, max_length=20_000)
    rsvp_by: StrictStr | None = None
    remind_before_minutes: Minutes | None = None
    note: StrictStr = Field(default="", max_length=500)


class CancelIn(BaseModel):
    reason: StrictStr = Field(default="", max_length=2000)


class RsvpIn(BaseModel):
    """`POST /meetings/{id}/rsvp`: the same answers as the card's buttons."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["attend", "decline", "delegate"]
    comment: StrictStr = Field(default="", max_length=2000)
    delegate: StrictStr | None = None
    attendees: StrictStr | list[StrictStr] | None = None
    unit: StrictStr | None = None


class MeetingsQuery(BaseModel):
    box: Literal["all", "organised", "invited"] = "all"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0)] = 0

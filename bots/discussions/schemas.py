"""Inbound shapes of the discussions API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class DiscussionIn(BaseModel):
    """`POST /discussions`. Required fields default to empty so that the service can say in
    Chinese what is missing."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    question: StrictStr = Field(default="", max_length=20_000)
    units: list[StrictStr] = Field(default_factory=list, max_length=500)
    deadline: StrictStr = Field(default="", max_length=40)
    unit: StrictStr | None = Field(default=None, max_length=40)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    body: StrictStr = Field(default="", max_length=20_000)
    unit: StrictStr | None = Field(default=None, max_length=40)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    conclusion: StrictStr = Field(default="", max_length=20_000)


class DiscussionsQuery(BaseModel):
    box: Literal["all", "mine", "asked"] = "all"
    state: Literal["", "open", "closed"] = ""
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0

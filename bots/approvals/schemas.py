"""Inbound shapes of the approvals API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr


class StepIn(BaseModel):
    """A step written out: `mode` "all" is a countersign (会签, every approver must approve),
    "any" an any-of step (或签, the first decision settles it)."""

    model_config = ConfigDict(extra="ignore")

    approvers: list[StrictStr] = Field(default_factory=list, max_length=20)
    mode: Literal["all", "any"] = "all"


class ApprovalIn(BaseModel):
    """`POST /approvals`. Each step is a list of usernames (several: a countersign) or a
    StepIn."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = Field(default="", max_length=20_000)
    steps: list[list[StrictStr] | StepIn] = Field(default_factory=list, max_length=10)
    room: StrictInt | None = None
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)


class DecideIn(BaseModel):
    action: Literal["approve", "reject", "return"]
    comment: StrictStr = Field(default="", max_length=2000)


class ResubmitIn(BaseModel):
    title: StrictStr | None = Field(default=None, max_length=1000)
    body: StrictStr | None = Field(default=None, max_length=20_000)
    comment: StrictStr = Field(default="", max_length=2000)


class DelegationIn(BaseModel):
    """A deputy for a period; `start` defaults to now."""

    deputy: StrictStr = ""
    start: StrictStr | None = None
    end: StrictStr = ""
    note: StrictStr = Field(default="", max_length=200)


class ApprovalsQuery(BaseModel):
    box: Literal["all", "mine", "todo", "done"] = "all"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0)] = 0

"""Inbound shapes of the tasks (督办) API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Id = Annotated[StrictInt, Field(gt=0, le=2**62)]
UnitRef = StrictStr | dict[str, Any]


class MilestoneIn(BaseModel):
    """A 阶段节点: its `deadline` (an ISO time or date) or `days`, working days from 立项."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    deadline: StrictStr | None = Field(default=None, max_length=64)
    days: Annotated[StrictInt, Field(ge=1, le=500)] | None = None


class TaskIn(BaseModel):
    """`POST /tasks`. `deadline` is an ISO time or date (a date means 17:30 that day), or
    `deadline_days` working days from now; `source` names what it came from."""

    model_config = ConfigDict(extra="ignore")

    title: StrictStr = Field(default="", max_length=1000)
    lead_unit: UnitRef | None = None
    co_units: list[UnitRef] = Field(default_factory=list, max_length=200)
    deadline: StrictStr | None = Field(default=None, max_length=64)
    deadline_days: Annotated[StrictInt, Field(ge=1, le=500)] | None = None
    report_cycle: Literal["", "weekly", "monthly"] | None = None
    source: dict[Literal["document", "bulletin_item", "meeting", "approval"], Id] | None = None
    instruction: StrictStr = Field(default="", max_length=2000)
    office: StrictStr | None = Field(default=None, max_length=32)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=20)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    body: StrictStr = Field(default="", max_length=20_000)
    attachments: list[Id] = Field(default_factory=list, max_length=20)
    # The milestone (阶段节点) this report shows reached; the lead unit's only.
    milestone: Id | None = None


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deadline: StrictStr = Field(default="", max_length=64)
    # Or so many working days past the current deadline (the calendar with 调休).
    deadline_days: Annotated[StrictInt, Field(ge=1, le=500)] | None = None
    reason: StrictStr = Field(default="", max_length=2000)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["approve", "reject"]
    comment: StrictStr = Field(default="", max_length=2000)


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: StrictStr = Field(default="", max_length=20_000)


class RemindIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tasks: list[Id] = Field(default_factory=list, max_length=500)


class TasksQuery(BaseModel):
    unit: StrictStr | None = Field(default=None, max_length=32)
    state: Literal["assigned", "accepted", "completed", "closed", "open"] | None = None
    status: Literal["on_track", "due_soon", "overdue"] | None = None
    source: Literal["document", "bulletin_item", "meeting", "approval", "none"] | None = None
    month: Annotated[StrictStr, Field(pattern=r"^\d{4}-\d{2}$")] | None = None
    q: StrictStr | None = Field(default=None, max_length=100)
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0

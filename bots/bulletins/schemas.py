"""Inbound shapes of the bulletins API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Id = Annotated[StrictInt, Field(gt=0)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CallIn(_Body):
    """`POST /bulletins/{code}/calls` (约稿)."""

    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = Field(default="", max_length=5000)
    units: list[StrictStr] = Field(default_factory=list, max_length=500)
    deadline: StrictStr = ""


class ItemIn(_Body):
    """`POST /bulletins/{code}/items` (投稿)."""

    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = Field(default="", max_length=50_000)
    call: Id | None = None
    unit: StrictStr | None = None
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)


class ItemDecisionIn(_Body):
    """`POST /bulletins/items/{id}/decide`: 采用 (perhaps with the editor's edits) or 不采用
    with a reason."""

    action: Literal["adopt", "decline"]
    comment: StrictStr = Field(default="", max_length=2000)
    title: StrictStr | None = Field(default=None, max_length=1000)
    body: StrictStr | None = Field(default=None, max_length=50_000)


class IssueIn(_Body):
    """`POST /bulletins/{code}/issues`: adopted items in order, the signer, the audience."""

    items: list[Id] = Field(default_factory=list, max_length=200)
    signer: StrictStr = ""
    audience: list[StrictStr] = Field(default_factory=lambda: ["all"], max_length=500)
    title: StrictStr = Field(default="", max_length=200)


class IssueDecisionIn(_Body):
    action: Literal["sign_off", "return"]
    comment: StrictStr = Field(default="", max_length=2000)


class ResubmitIn(_Body):
    """A returned issue, changed where given, goes back to the signer."""

    items: list[Id] | None = Field(default=None, max_length=200)
    signer: StrictStr | None = None
    audience: list[StrictStr] | None = Field(default=None, max_length=500)
    title: StrictStr | None = Field(default=None, max_length=200)
    comment: StrictStr = Field(default="", max_length=2000)


class InstructionIn(_Body):
    """`POST /bulletins/items/{id}/instructions` (批示)."""

    comment: StrictStr = Field(default="", max_length=5000)
    units: list[StrictStr] = Field(default_factory=list, max_length=500)
    deadline: StrictStr = ""


class ItemsQuery(BaseModel):
    state: Literal["submitted", "adopted", "declined", ""] = ""
    call: Annotated[int, Field(ge=1)] | None = None
    unit: str = ""
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0


class IssuesQuery(BaseModel):
    year: Annotated[int, Field(ge=1900, le=9999)] | None = None
    state: Literal["published", "all"] = "published"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0


class StatsQuery(BaseModel):
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] | None = None
    year: Annotated[int, Field(ge=1900, le=9999)] | None = None

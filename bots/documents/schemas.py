"""Inbound shapes of the documents API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr


class DocumentIn(BaseModel):
    """`POST /documents`. Required fields default to empty so that the service can say in
    Chinese what is missing."""

    model_config = ConfigDict(extra="ignore")

    doc_type: StrictStr = ""
    number: StrictStr = Field(default="", max_length=64)
    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = ""
    recipients: list[StrictStr] = Field(default_factory=list, max_length=1000)
    cc: list[StrictStr] = Field(default_factory=list, max_length=1000)
    urgency: StrictStr = "normal"
    secrecy: StrictStr = "none"
    marks: StrictStr = Field(default="", max_length=200)
    signer: StrictStr = Field(default="", max_length=64)
    notes: StrictStr = Field(default="", max_length=500)
    date: StrictStr | None = None
    deadline: StrictStr | None = None
    reply_required: StrictBool = False
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    unit: StrictStr | None = None
    sign_within_minutes: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 30)] | None = None


class DocumentsQuery(BaseModel):
    box: Literal["all", "sent", "received", "drafts"] = "all"
    q: str = Field(default="", max_length=100)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0)] = 0


class DraftIn(BaseModel):
    """`POST /documents/drafts`: a draft for 核稿 and 签发 (the fields of `POST /documents`
    but the number, which `issue` gives unless the drafter names one)."""

    model_config = ConfigDict(extra="ignore")

    doc_type: StrictStr = ""
    number: StrictStr = Field(default="", max_length=64)
    title: StrictStr = Field(default="", max_length=1000)
    body: StrictStr = ""
    recipients: list[StrictStr] = Field(default_factory=list, max_length=1000)
    cc: list[StrictStr] = Field(default_factory=list, max_length=1000)
    urgency: StrictStr = "normal"
    secrecy: StrictStr = "none"
    marks: StrictStr = Field(default="", max_length=200)
    notes: StrictStr = Field(default="", max_length=500)
    deadline: StrictStr | None = None
    reply_required: StrictBool = False
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    unit: StrictStr | None = None
    sign_within_minutes: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 30)] | None = None
    reviewers: list[list[StrictStr]] = Field(default_factory=list, max_length=10)
    signer: StrictStr = Field(default="", max_length=64)


class DraftEditIn(BaseModel):
    """`PATCH /documents/{id}`: what changes in a returned (or signed-off) draft."""

    model_config = ConfigDict(extra="ignore")

    doc_type: StrictStr | None = None
    number: StrictStr | None = Field(default=None, max_length=64)
    title: StrictStr | None = Field(default=None, max_length=1000)
    body: StrictStr | None = None
    recipients: list[StrictStr] | None = Field(default=None, max_length=1000)
    cc: list[StrictStr] | None = Field(default=None, max_length=1000)
    urgency: StrictStr | None = None
    secrecy: StrictStr | None = None
    notes: StrictStr | None = Field(default=None, max_length=500)
    deadline: StrictStr | None = None
    reply_required: StrictBool | None = None
    attachments: list[StrictInt] | None = Field(default=None, max_length=20)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["approve", "return", "sign_off"]
    comment: StrictStr = Field(default="", max_length=2000)


class ResubmitIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    comment: StrictStr = Field(default="", max_length=2000)


class ResendIn(BaseModel):
    """`POST /documents/{id}/resend`: a corrected copy to units that returned it."""

    model_config = ConfigDict(extra="ignore")

    units: list[StrictStr] = Field(default_factory=list, max_length=200)
    comment: StrictStr = Field(default="", max_length=2000)
    title: StrictStr | None = Field(default=None, max_length=1000)
    body: StrictStr | None = None
    notes: StrictStr | None = Field(default=None, max_length=500)
    attachments: list[StrictInt] | None = Field(default=None, max_length=20)


class UnitSettingsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    number_code: StrictStr | None = Field(default=None, max_length=16)
    masthead: StrictStr | None = Field(default=None, max_length=64)
    direct_issue: StrictBool | None = None

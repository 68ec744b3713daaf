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
    box: Literal["all", "sent", "received"] = "all"
    q: str = Field(default="", max_length=100)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0)] = 0

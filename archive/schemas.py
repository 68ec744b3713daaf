"""Inbound shapes of the archive API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

RETENTIONS = Literal["permanent", "30y", "10y"]


class ArchiveQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int | None = Field(default=None, ge=1900, le=2999)
    unit: str | None = Field(default=None, max_length=32)
    retention: RETENTIONS | None = None
    kind: str | None = Field(default=None, max_length=32)  # a registered kind
    q: str = Field(default="", max_length=200)
    limit: int = Field(default=50, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    unit: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1900, le=2999)


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=500)


class FileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The object to file, by the field its kind registered (`document` for 发文).
    document: StrictInt | None = None
    retention: RETENTIONS | None = None

"""Request bodies of the unit administrators' endpoints (validated once, documented in the
OpenAPI description from the same models)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=150)
    display_name: str = Field(min_length=1, max_length=64)
    title: str = Field(default="", max_length=64)
    role: str = "member"
    password: str | None = Field(default=None, max_length=128)


class PersonPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    units: list[Any] | None = Field(default=None, max_length=50)
    successor: Any = None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(default=None, max_length=128)
    old_password: str | None = Field(default=None, max_length=128)


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    short_name: str = Field(default="", max_length=50)
    kind: str
    parent: str | None = Field(default=None, max_length=32)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class UnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=100)
    short_name: str | None = Field(default=None, max_length=50)
    kind: str | None = None
    parent: str | None = Field(default=None, max_length=32)
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: str = Field(min_length=1, max_length=32)

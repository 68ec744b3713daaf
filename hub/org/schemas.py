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

"""Inbound shapes of the library API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

Id = Annotated[StrictInt, Field(gt=0, le=2**63 - 1)]


class FolderIn(BaseModel):
    """`POST /library/folders`."""

    model_config = ConfigDict(extra="ignore")

    library: StrictStr = Field(default="", max_length=64)
    parent: Id | None = None
    name: StrictStr = Field(default="", max_length=1000)


class FolderPatch(BaseModel):
    """`PATCH /library/folders/{id}`: rename, move, or both."""

    model_config = ConfigDict(extra="ignore")

    name: StrictStr | None = Field(default=None, max_length=1000)
    parent: Id | None = None


class FileIn(BaseModel):
    """`POST /library/folders/{id}/files`: a file made of an upload (`POST /attachments`)."""

    model_config = ConfigDict(extra="ignore")

    attachment: Id
    name: StrictStr | None = Field(default=None, max_length=1000)
    comment: StrictStr = Field(default="", max_length=500)


class FilePatch(BaseModel):
    """`PATCH /library/files/{id}`: rename, move to another folder of the library, or both."""

    model_config = ConfigDict(extra="ignore")

    name: StrictStr | None = Field(default=None, max_length=1000)
    folder: Id | None = None
    read_required: StrictBool | None = None


class VersionIn(BaseModel):
    """`POST /library/files/{id}/versions`: `base_version` is the version the new content
    was made from; anything but the latest answers 409."""

    model_config = ConfigDict(extra="ignore")

    attachment: Id
    base_version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
    comment: StrictStr = Field(default="", max_length=500)


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
    base_version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = None
    comment: StrictStr = Field(default="", max_length=500)


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    unit: StrictStr | None = Field(default=None, max_length=64)
    role: Literal["staff", "clerk", "leader", "admin", ""] = ""
    user: StrictStr | None = Field(default=None, max_length=150)
    level: Literal["view", "download", "edit", "manage"]


class GrantsIn(BaseModel):
    """`PUT /library/folders/{id}/grants`: the folder's grants, replaced as a whole."""

    model_config = ConfigDict(extra="ignore")

    grants: list[GrantIn] = Field(default_factory=list, max_length=200)


class ShareIn(BaseModel):
    """`POST /library/files/{id}/share`: to a room the caller is in (a card there), or to
    people by username."""

    model_config = ConfigDict(extra="ignore")

    room: Id | None = None
    users: list[StrictStr] = Field(default_factory=list, max_length=200)
    comment: StrictStr = Field(default="", max_length=500)

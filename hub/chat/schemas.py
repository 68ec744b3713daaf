"""Inbound shapes, declared once: HTTP bodies and WebSocket frames (keyed on `type`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter

ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
PositiveId = Annotated[StrictInt, Field(gt=0)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TokenIn(Body):
    username: StrictStr = Field(min_length=1, max_length=150)
    password: StrictStr = Field(min_length=1, max_length=1024)


class RoomIn(Body):
    name: StrictStr = ""
    kind: Literal["direct", "group", "channel"]
    members: list[StrictStr] = Field(default_factory=list, max_length=5000)
    topic: StrictStr = ""
    announce_only: StrictBool = False


class RoomSettingsIn(Body):
    announce_only: StrictBool


class SendIn(Body):
    body: StrictStr = ""
    client_id: ClientId | None = None
    reply_to: PositiveId | None = None
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    topic: StrictStr | None = Field(default=None, max_length=1000)
    thread: PositiveId | None = None


class TopicRenameIn(Body):
    name: StrictStr = Field(max_length=1000)
    to: StrictStr = Field(max_length=1000)


class TopicMoveIn(Body):
    name: StrictStr = Field(max_length=1000)
    room: PositiveId
    to: StrictStr | None = Field(default=None, max_length=1000)


class TopicStateIn(Body):
    name: StrictStr = Field(max_length=1000)
    state: Literal["follow", "mute", "none"]


class EditIn(Body):
    body: StrictStr


class ReadIn(Body):
    seq: Annotated[StrictInt, Field(ge=0)]


class ReactionIn(Body):
    emoji: StrictStr = Field(min_length=1, max_length=32)


class MembersIn(Body):
    members: list[StrictStr] = Field(min_length=1, max_length=5000)


class ActionIn(Body):
    action: StrictStr = Field(min_length=1, max_length=32)
    comment: StrictStr | None = Field(default=None, max_length=2000)
    assignee: StrictStr | None = None
    delegate: StrictStr | None = None
    attendees: StrictStr | None = None  # a meeting card's 参加 for a unit: who attends
    # Documents: the people a 传阅 goes to, in order; 批办's co-handlers and deadline; the files
    # of a 办结 (the caller's uploads). A list, or usernames separated by commas.
    readers: StrictStr | list[StrictStr] | None = None
    co_assignees: StrictStr | list[StrictStr] | None = None
    # A 批示 that becomes a 督办 task: the lead unit and co-units (unit codes), the report
    # cycle.
    lead_unit: StrictStr | None = Field(default=None, max_length=32)
    co_units: StrictStr | list[StrictStr] | None = None
    report_cycle: StrictStr | None = Field(default=None, max_length=16)
    deadline: StrictStr | None = Field(default=None, max_length=40)
    attachments: list[StrictInt] | None = Field(default=None, max_length=20)
    client_id: ClientId | None = None


class MuteIn(Body):
    muted: StrictBool


class PinIn(Body):
    message: PositiveId


class ForwardIn(Body):
    room: PositiveId
    comment: StrictStr = Field(default="", max_length=2000)


class MessagesQuery(BaseModel):
    after_seq: Annotated[int, Field(ge=0)] | None = None
    before_seq: Annotated[int, Field(ge=1)] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    topic: str | None = Field(default=None, max_length=1000)


# --- WebSocket frames (client to server) --------------------------------------------------------
class Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SyncFrame(Frame):
    type: Literal["sync"]
    rooms: dict[str, Annotated[StrictInt, Field(ge=0)]] = Field(default_factory=dict)


class SendFrame(Frame):
    type: Literal["send"]
    room: PositiveId
    client_id: ClientId
    body: StrictStr = ""
    reply_to: PositiveId | None = None
    attachments: list[StrictInt] = Field(default_factory=list, max_length=20)
    topic: StrictStr | None = Field(default=None, max_length=1000)
    thread: PositiveId | None = None


class ReadFrame(Frame):
    type: Literal["read"]
    room: PositiveId
    seq: Annotated[StrictInt, Field(ge=0)]


class TypingFrame(Frame):
    type: Literal["typing"]
    room: PositiveId


class ActionFrame(Frame):
    type: Literal["action"]
    message: PositiveId
    action: StrictStr = Field(min_length=1, max_length=32)
    comment: StrictStr | None = Field(default=None, max_length=2000)
    assignee: StrictStr | None = None
    delegate: StrictStr | None = None
    attendees: StrictStr | None = None  # a meeting card's 参加 for a unit: who attends
    # Documents: the people a 传阅 goes to, in order; 批办's co-handlers and deadline; the files
    # of a 办结 (the caller's uploads). A list, or usernames separated by commas.
    readers: StrictStr | list[StrictStr] | None = None
    co_assignees: StrictStr | list[StrictStr] | None = None
    # A 批示 that becomes a 督办 task: the lead unit and co-units (unit codes), the report
    # cycle.
    lead_unit: StrictStr | None = Field(default=None, max_length=32)
    co_units: StrictStr | list[StrictStr] | None = None
    report_cycle: StrictStr | None = Field(default=None, max_length=16)
    deadline: StrictStr | None = Field(default=None, max_length=40)
    attachments: list[StrictInt] | None = Field(default=None, max_length=20)
    client_id: ClientId | None = None


class PingFrame(Frame):
    type: Literal["ping"]


class PresenceFrame(Frame):
    type: Literal["presence"]
    status: Literal["online", "away"]


ClientFrame = Annotated[
    SyncFrame | SendFrame | ReadFrame | TypingFrame | ActionFrame | PingFrame | PresenceFrame,
    Field(discriminator="type"),
]
client_frame = TypeAdapter(ClientFrame)
FRAME_TYPES = {"sync", "send", "read", "typing", "action", "ping", "presence"}

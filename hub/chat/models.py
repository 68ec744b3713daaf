"""Rooms, members with their read positions, messages, reactions, attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Room(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "私聊"
        GROUP = "group", "群组"
        UNIT = "unit", "单位群"
        CHANNEL = "channel", "频道"
        BOT = "bot", "机器人"

    name = models.CharField("名称", max_length=100, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    topic = models.CharField("主题", max_length=500, blank=True)
    # The unit whose members this room follows (kind == unit).
    unit = models.OneToOneField(
        "org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="room"
    )
    # "<low user id>:<high user id>" for direct rooms, so each pair has one room.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The seq of the newest message; raised by exactly one per message under the row lock.
    last_seq = models.BigIntegerField(default=0)
    member_count = models.IntegerField(default=0)
    # An announcement channel: only its admins (and bots) may post; everyone may read and react.
    announce_only = models.BooleanField("仅管理员发言", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会话"
        verbose_name_plural = "会话"

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} #{self.pk}"


class RoomMember(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "成员"
        ADMIN = "admin", "管理员"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="room_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    last_read_seq = models.BigIntegerField(default=0)
    # 免打扰: the member hears of new messages only when mentioned (the client's choice).
    muted = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会话成员"
        verbose_name_plural = "会话成员"
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="room_member_unique"),
        ]
        indexes = [models.Index(fields=["user", "room"])]


class Attachment(models.Model):
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="attachments")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    mime = models.CharField(max_length=127)
    sha256 = models.CharField(max_length=64)
    # A random name under MEDIA_ROOT; never derived from the uploaded name.
    storage_name = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "文本"
        CARD = "card", "卡片"
        SYSTEM = "system", "系统"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="messages_sent")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    card = models.JSONField(null=True, blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    client_id = models.CharField(max_length=64, null=True, blank=True)
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="messages")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    # 转发: where a forwarded message came from ({"room_name", "sender", "created_at"}).
    forwarded = models.JSONField(null=True, blank=True)
    # 加急提醒: the message a reminder is about ({"room", "message", "seq"}), and when its
    # sender last reminded those who had not read it.
    remind_of = models.JSONField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # 话题: a light subject line that groups a room's messages (null: none). Renaming a topic
    # rewrites this column on its messages; seq and receipts stay per room.
    topic = models.CharField("话题", max_length=60, null=True, blank=True)
    # 跟帖: the message a thread was started from (null: not in a thread). The root keeps the
    # number of replies and the seq of the latest, raised in the reply's transaction.
    thread = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="thread_replies")
    thread_count = models.IntegerField(default=0)
    thread_last_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        indexes = [
            models.Index(fields=["room", "topic", "seq"], name="message_room_topic_seq",
                         condition=models.Q(topic__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_room_seq_unique"),
            models.UniqueConstraint(
                fields=["room", "sender", "client_id"], name="message_client_id_unique",
                condition=models.Q(client_id__isnull=False),
            ),
        ]


class Mention(models.Model):
    """A person named in a message, directly or through one of their units."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_unique"),
        ]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique"),
        ]


class Pin(models.Model):
    """A message pinned (置顶) in its room, for everyone in the room to see."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="pins")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    pinned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    pinned_at = models.DateTimeField()

    class Meta:
        verbose_name = "置顶消息"
        verbose_name_plural = "置顶消息"
        constraints = [
            models.UniqueConstraint(fields=["room", "message"], name="pin_unique"),
        ]


class TopicPreference(models.Model):
    """A person follows (关注) or mutes (免打扰) one topic of a room. A renamed topic keeps
    its preferences: the rename rewrites `name` here too."""

    class State(models.TextChoices):
        FOLLOW = "follow", "关注"
        MUTE = "mute", "免打扰"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_preferences")
    name = models.CharField(max_length=60)
    state = models.CharField(max_length=8, choices=State.choices)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "话题关注"
        verbose_name_plural = "话题关注"
        constraints = [
            models.UniqueConstraint(fields=["room", "user", "name"], name="topic_pref_unique"),
        ]
        indexes = [models.Index(fields=["user", "state"], name="topic_pref_by_user")]

"""Electronic bulletins (电子刊物): publications with their editors, calls for items (约稿),
items submitted by units (投稿) and the editors' decisions (采用 / 不采用), issues assembled from
adopted items, signed off (签发) and published with a gap-free number, who read each issue,
and leaders' instructions (批示) on items that become follow-ups for units."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Publication(models.Model):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("刊名", max_length=100)  # 政务信息 (shown as 《政务信息》)
    # The publishing unit (编印单位): its seal is on every issue, its leaders sign off.
    unit = models.ForeignKey("org.Unit", verbose_name="编印单位", on_delete=models.PROTECT,
                             related_name="publications")
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="编辑",
                                     related_name="publications_edited", blank=True)
    # The last 总期号 used: raised under this row's lock at each publication. Set it to the
    # printed series' last number when the publication moves here (总第345期 follows 344).
    last_total = models.IntegerField("已用总期号", default=0)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "电子刊物"
        verbose_name_plural = "电子刊物"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"《{self.name}》"


class YearCounter(models.Model):
    """The last 期号 a publication used in a year; raised under the publication's lock."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    year = models.IntegerField()
    last = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "year"],
                                               name="bulletin_year_counter_unique")]


class Call(models.Model):
    """约稿: editors ask units for items on a subject by a deadline."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="calls")
    title = models.CharField("约稿主题", max_length=200)
    body = models.TextField("约稿要求", blank=True)
    deadline = models.DateTimeField("截止时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "约稿"
        verbose_name_plural = "约稿"

    @property
    def subject(self) -> str:
        return f"bulletin_call:{self.pk}"


class CallUnit(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)  # the unit's first item

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "unit"],
                                               name="bulletin_call_unit_unique")]


class Item(models.Model):
    """投稿: an item a unit's staff member submitted; editors adopt it (perhaps edited) or
    decline it with a reason, once."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待审"
        ADOPTED = "adopted", "已采用"
        DECLINED = "declined", "未采用"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="items")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="items")
    unit = models.ForeignKey("org.Unit", verbose_name="投稿单位", on_delete=models.PROTECT,
                             related_name="+")
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="bulletin_items")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    html = models.TextField(blank=True)
    # As submitted, when an editor changed the text on adoption.
    original_title = models.CharField(max_length=200, blank=True)
    original_body = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_comment = models.TextField(blank=True)

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        indexes = [models.Index(fields=["publication", "state"], name="bulletin_items_by_state"),
                   models.Index(fields=["unit", "submitted_at"], name="bulletin_items_by_unit")]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> str:
        return f"bulletin_item:{self.pk}"


class ItemFile(models.Model):
    """A picture or attachment of an item (the submitter's upload, never changed)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey("chat.Attachment", on_delete=models.PROTECT, related_name="+")
    position = models.IntegerField()
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]


class ReviewMessage(models.Model):
    """An editor's card of a submitted item (adopt / decline), in their direct room."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="review_messages")
    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")


class Issue(models.Model):
    class State(models.TextChoices):
        AWAITING_SIGNOFF = "awaiting_signoff", "待签发"
        RETURNED = "returned", "已退回"
        SIGNED_OFF = "signed_off", "已签发"
        PUBLISHED = "published", "已印发"

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="issues")
    title = models.CharField("专题", max_length=200, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人",
                               on_delete=models.PROTECT, related_name="bulletin_issues_to_sign")
    state = models.CharField(max_length=20, choices=State.choices,
                             default=State.AWAITING_SIGNOFF)
    round = models.IntegerField(default=1)
    # The audience as named ("all" or unit codes); resolved to units at publication.
    audience = models.JSONField(default=list)
    year = models.IntegerField(null=True, blank=True)
    number = models.IntegerField("期号", null=True, blank=True)
    total_number = models.IntegerField("总期号", null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    signed_off_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    signature = models.OneToOneField("seals.Signature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # The PDF laid out at publication (the bot's attachment), covered by the seal.
    pdf = models.ForeignKey("chat.Attachment", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    # The signer's card (签发 / 退回) and the editors' card (the issue's progress, reads).
    signer_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    tracking_message = models.ForeignKey("chat.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    reminders = models.IntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "刊期"
        verbose_name_plural = "刊期"
        constraints = [
            models.UniqueConstraint(fields=["publication", "year", "number"],
                                    condition=models.Q(number__isnull=False),
                                    name="bulletin_issue_number_unique"),
            models.UniqueConstraint(fields=["publication", "total_number"],
                                    condition=models.Q(total_number__isnull=False),
                                    name="bulletin_issue_total_unique"),
        ]
        indexes = [models.Index(fields=["publication", "year", "number"],
                                name="bulletin_issues_by_number")]

    def __str__(self) -> str:
        return f"{self.publication} {self.label}"

    @property
    def subject(self) -> str:
        return f"bulletin_issue:{self.pk}"

    @property
    def label(self) -> str:
        if self.number is None:
            return "（未编号）"
        return f"{self.year}年第{self.number}期"


class IssueItem(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="entries")
    # An adopted item is in one issue at most.
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="entry")
    position = models.IntegerField()

    class Meta:
        ordering = ["position"]


class Decision(models.Model):
    """The signer's 签发 or 退回, signed with their personal key (or their deputy's)."""

    class Action(models.TextChoices):
        SIGN_OFF = "sign_off", "签发"
        RETURN = "return", "退回"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="decisions")
    round = models.IntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    delegation = models.ForeignKey("approvals.Delegation", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Action.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField()
    signature = models.OneToOneField("seals.PersonalSignature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "round"],
                                               name="bulletin_decision_per_round")]

    @property
    def subject(self) -> str:
        return f"bulletin_issue:{self.issue_id}:decision:{self.pk}"


class IssueUnit(models.Model):
    """A unit the published issue went to: its card, and when it was first opened there."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    first_read_at = models.DateTimeField(null=True, blank=True)
    reminders = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "unit"],
                                               name="bulletin_issue_unit_unique")]


class IssueRead(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"],
                                               name="bulletin_issue_read_unique")]


class ReadRefresh(models.Model):
    """The editors' card of an issue to re-render after reads (coalesced, as for notices)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")


class Instruction(models.Model):
    """批示: a leader's instruction on an item, naming units and a deadline: a follow-up that
    the supervision app (督办) can take up as a task (see followups.py)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="instructions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField("批示")
    deadline = models.DateTimeField("办理期限")
    units = models.ManyToManyField("org.Unit", related_name="+")
    created_at = models.DateTimeField()
    signature = models.OneToOneField("seals.PersonalSignature", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    @property
    def subject(self) -> str:
        return f"bulletin_item:{self.item_id}:instruction:{self.pk}"

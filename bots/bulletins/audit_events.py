"""The audit events of the bulletins, one keyword-only function per kind."""

from __future__ import annotations

from datetime import datetime

from bots.bulletins.models import Call, Decision, Instruction, Issue, Item
from hub.lib.times import iso
from hub.seals.audit import Event
from hub.seals.models import Signature


def call_created(*, call: Call, units: list[str], at: datetime) -> Event:
    return Event(event="bulletin.call_created", subject=call.subject, actor_id=call.created_by_id,
                 data={"publication": call.publication.code, "title": call.title,
                       "units": units, "deadline": iso(call.deadline)}, at=at)


def item_submitted(*, item: Item, at: datetime) -> Event:
    return Event(event="bulletin.item_submitted", subject=item.subject,
                 actor_id=item.submitter_id,
                 data={"publication": item.publication.code, "title": item.title,
                       "unit": item.unit.code, "call": item.call_id}, at=at)


def item_decided(*, item: Item, edited: bool, at: datetime) -> Event:
    return Event(event=f"bulletin.item_{item.state}", subject=item.subject,
                 actor_id=item.decided_by_id,
                 data={"title": item.title, "comment": item.decision_comment, "edited": edited},
                 at=at)


def issue_created(*, issue: Issue, items: list[int], at: datetime) -> Event:
    return Event(event="bulletin.issue_created", subject=issue.subject, actor_id=issue.editor_id,
                 data={"publication": issue.publication.code, "items": items,
                       "signer": issue.signer.username, "audience": issue.audience,
                       "round": issue.round}, at=at)


def issue_decided(*, issue: Issue, decision: Decision, at: datetime) -> Event:
    return Event(event=f"bulletin.{decision.decision}", subject=issue.subject,
                 actor_id=decision.decided_by_id,
                 data={"round": decision.round, "signer": issue.signer.username,
                       "comment": decision.comment, "deputy": decision.delegation_id is not None,
                       "key_id": decision.signature.key.key_id if decision.signature else None},
                 at=at)


def published(*, issue: Issue, signature: Signature, units: list[str], at: datetime) -> Event:
    return Event(event="bulletin.published", subject=issue.subject, actor_id=issue.published_by_id,
                 data={"publication": issue.publication.code, "year": issue.year,
                       "number": issue.number, "total_number": issue.total_number,
                       "units": units, "seal_key": signature.key.key_id}, at=at)


def reminded(*, issue: Issue, actor_id: int, units: list[str], at: datetime) -> Event:
    return Event(event="bulletin.reminded", subject=issue.subject, actor_id=actor_id,
                 data={"units": units}, at=at)


def instructed(*, instruction: Instruction, units: list[str], at: datetime) -> Event:
    return Event(event="bulletin.instructed", subject=instruction.item.subject,
                 actor_id=instruction.by_id,
                 data={"instruction": instruction.id, "comment": instruction.comment,
                       "units": units, "deadline": iso(instruction.deadline)}, at=at)

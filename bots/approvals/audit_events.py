"""The audit events of an approval's life, one keyword-only function per kind."""

from __future__ import annotations

import hashlib
from datetime import datetime

from bots.approvals.models import Approval, Delegation, Step, StepApprover
from hub.lib.times import iso
from hub.org.models import User
from hub.seals.audit import Event


def _event(name: str, approval: Approval, actor_id: int | None, at: datetime,
           **data: object) -> Event:
    return Event(event=f"approval.{name}", subject=approval.subject, actor_id=actor_id,
                 data={"title": approval.title, **data}, at=at)


def submitted(*, approval: Approval, steps: list[tuple[str, list[User]]], at: datetime) -> Event:
    return _event("submitted", approval, approval.requester_id, at,
                  room=approval.room_id,
                  steps=[{"mode": mode, "approvers": [u.username for u in people]}
                         for mode, people in steps])


def decided(*, approval: Approval, step: Step, place: StepApprover, at: datetime) -> Event:
    """A decision, with the signature that binds it (key and a digest of the signed bytes)."""
    signature = place.signature
    assert signature is not None
    return _event("decided", approval, place.decided_by_id, at, round=step.round,
                  step=step.index, approver=place.user.username,
                  decided_by=place.decided_by.username if place.decided_by else None,
                  delegation=place.delegation_id, decision=place.decision,
                  comment=place.comment, signature=signature.id, key_id=signature.key.key_id,
                  tbs_sha256=hashlib.sha256(signature.tbs.encode("utf-8")).hexdigest())


def settled(*, approval: Approval, at: datetime) -> Event:
    return _event("settled", approval, None, at, state=approval.state, round=approval.round)


def resubmitted(*, approval: Approval, note: str, at: datetime) -> Event:
    return _event("resubmitted", approval, approval.requester_id, at, round=approval.round,
                  note=note)


def reminded(*, approval: Approval, step: Step, users: list[int], round_: int,
             at: datetime) -> Event:
    return _event("reminded", approval, None, at, round=step.round, step=step.index, to=users,
                  reminder=round_)


def _delegation(name: str, delegation: Delegation, actor_id: int, at: datetime) -> Event:
    return Event(event=f"approval.{name}", subject=f"delegation:{delegation.id}",
                 actor_id=actor_id, at=at,
                 data={"principal": delegation.principal.username,
                       "deputy": delegation.deputy.username,
                       "starts_at": iso(delegation.starts_at), "ends_at": iso(delegation.ends_at)})


def delegated(*, delegation: Delegation, at: datetime) -> Event:
    return _delegation("delegated", delegation, delegation.principal_id, at)


def delegation_revoked(*, delegation: Delegation, actor_id: int, at: datetime) -> Event:
    return _delegation("delegation_revoked", delegation, actor_id, at)

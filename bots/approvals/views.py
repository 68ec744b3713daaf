"""HTTP endpoints for approvals: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bots.approvals import selectors, services
from bots.approvals.models import Approval
from bots.approvals.schemas import ApprovalIn, ApprovalsQuery, DecideIn, DelegationIn, ResubmitIn
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


@endpoint("GET", "POST")
def approvals(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, ApprovalsQuery)
        return 200, selectors.approvals_for(user=user, box=query.box, limit=query.limit,
                                            offset=query.offset)
    approval = services.submit(requester=user, data=parse_body(request, ApprovalIn))
    return 201, selectors.approval_dict(approval, viewer=user)


@endpoint("GET")
def detail(request: HttpRequest, user: User, approval_id: int) -> Any:
    approval = selectors.access_approval(user=user, approval_id=approval_id)
    return 200, selectors.approval_dict(approval, viewer=user)


@endpoint("POST")
def decide(request: HttpRequest, user: User, approval_id: int) -> Any:
    approval = selectors.access_approval(user=user, approval_id=approval_id)
    data = parse_body(request, DecideIn)
    services.decide(user=user, approval_id=approval.id, action=data.action, comment=data.comment)
    return 200, selectors.approval_dict(Approval.objects.get(id=approval.id), viewer=user)


@endpoint("POST")
def resubmit(request: HttpRequest, user: User, approval_id: int) -> Any:
    approval = selectors.access_approval(user=user, approval_id=approval_id)
    data = parse_body(request, ResubmitIn)
    services.resubmit(user=user, approval_id=approval.id, title=data.title, body=data.body,
                      comment=data.comment)
    return 200, selectors.approval_dict(Approval.objects.get(id=approval.id), viewer=user)


@endpoint("GET")
def verify(request: HttpRequest, user: User, approval_id: int) -> Any:
    approval = selectors.access_approval(user=user, approval_id=approval_id)
    return 200, selectors.verify(approval)


@endpoint("GET", "POST")
def delegations(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        return 200, [selectors.delegation_dict(d) for d in services.delegations_of(user)[:200]]
    delegation = services.delegate(principal=user, data=parse_body(request, DelegationIn))
    return 201, selectors.delegation_dict(delegation)


@endpoint("DELETE")
def delegation(request: HttpRequest, user: User, delegation_id: int) -> Any:
    found = selectors.access_delegation(user=user, delegation_id=delegation_id)
    return 200, selectors.delegation_dict(services.revoke_delegation(user=user,
                                                                     delegation_id=found.id))

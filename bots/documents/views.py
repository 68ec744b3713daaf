"""HTTP endpoints for documents: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bots.documents import chain, pdf, selectors, services
from bots.documents.schemas import (
    DecideIn,
    DocumentIn,
    DocumentsQuery,
    DraftEditIn,
    DraftIn,
    ResendIn,
    ResubmitIn,
    UnitSettingsIn,
)
from hub.lib.errors import forbidden
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


def _answer(user: User, document_id: int, status: int = 200) -> tuple[int, dict[str, Any]]:
    document, access = selectors.access_document(user=user, document_id=document_id)
    return status, selectors.document_dict(document, access, viewer=user)


@endpoint("GET", "POST")
def documents(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, DocumentsQuery)
        return 200, selectors.documents_for(user=user, box=query.box, q=query.q,
                                            limit=query.limit, offset=query.offset)
    data = parse_body(request, DocumentIn)
    document = services.send_document(sender=user, data=data)
    return _answer(user, document.id, 201)


@endpoint("POST")
def drafts(request: HttpRequest, user: User) -> Any:
    document = chain.create_draft(user=user, data=parse_body(request, DraftIn))
    return _answer(user, document.id, 201)


@endpoint("GET")
def meta(request: HttpRequest, user: User) -> Any:
    return 200, selectors.meta_for(user=user)


@endpoint("GET", "PATCH")
def detail(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    if request.method == "PATCH":
        chain.edit(user=user, document_id=document.id, data=parse_body(request, DraftEditIn))
    return _answer(user, document.id)


@endpoint("POST")
def decide(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    data = parse_body(request, DecideIn)
    chain.decide(user=user, document_id=document.id, action=data.action, comment=data.comment)
    return _answer(user, document.id)


@endpoint("POST")
def resubmit(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    chain.resubmit(user=user, document_id=document.id,
                   comment=parse_body(request, ResubmitIn).comment)
    return _answer(user, document.id)


@endpoint("POST")
def issue(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    chain.issue(user=user, document_id=document.id)
    return _answer(user, document.id)


@endpoint("POST")
def resend(request: HttpRequest, user: User, document_id: int) -> Any:
    document, access = selectors.access_document(user=user, document_id=document_id)
    if not access.issuer:
        raise forbidden("只有发文单位可以更正重发")
    corrected = services.resend(user=user, document_id=document.id,
                                data=parse_body(request, ResendIn))
    return _answer(user, corrected.id, 201)


@endpoint("GET")
def verify(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    return 200, selectors.verification(document)


@endpoint("GET")
def pdf_file(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    return pdf.response(document)


@endpoint("POST")
def remind(request: HttpRequest, user: User, document_id: int) -> Any:
    document, access = selectors.access_document(user=user, document_id=document_id)
    if not access.issuer:
        raise forbidden("只有发文单位可以催办")
    return 200, {"reminded": services.remind(user=user, document_id=document.id)}


@endpoint("GET", "PATCH")
def unit_settings(request: HttpRequest, user: User, code: str) -> Any:
    unit = selectors.access_unit_settings(user=user, code=code)
    if request.method == "PATCH":
        services.update_unit_settings(user=user, unit=unit,
                                      data=parse_body(request, UnitSettingsIn))
    return 200, selectors.unit_settings_dict(unit, user=user)



"""HTTP endpoints for documents: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bots.documents import sealing, selectors, services
from bots.documents.schemas import DocumentIn, DocumentsQuery
from hub.lib.errors import forbidden
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


@endpoint("GET", "POST")
def documents(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, DocumentsQuery)
        return 200, selectors.documents_for(user=user, box=query.box, q=query.q,
                                            limit=query.limit, offset=query.offset)
    data = parse_body(request, DocumentIn)
    document = services.send_document(sender=user, data=data)
    _, access = selectors.access_document(user=user, document_id=document.id)
    return 201, selectors.document_dict(document, access)


@endpoint("GET")
def meta(request: HttpRequest, user: User) -> Any:
    return 200, selectors.meta_for(user=user)


@endpoint("GET")
def detail(request: HttpRequest, user: User, document_id: int) -> Any:
    document, access = selectors.access_document(user=user, document_id=document_id)
    return 200, selectors.document_dict(document, access)


@endpoint("GET")
def verify(request: HttpRequest, user: User, document_id: int) -> Any:
    document, _ = selectors.access_document(user=user, document_id=document_id)
    return 200, sealing.verify(document).as_dict()


@endpoint("POST")
def remind(request: HttpRequest, user: User, document_id: int) -> Any:
    document, access = selectors.access_document(user=user, document_id=document_id)
    if not access.issuer:
        raise forbidden("只有发文单位可以催办")
    return 200, {"reminded": services.remind(user=user, document_id=document.id)}

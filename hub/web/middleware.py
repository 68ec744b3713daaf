"""Simplified Chinese unless the user chose otherwise."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class DefaultLanguageMiddleware:
    """Hide the browser's Accept-Language from LocaleMiddleware (which must come after this),
    so the interface speaks `LANGUAGE_CODE` until the user picks a language with the
    switch (the language cookie). Staff often use browsers set to English; the office's
    language is still Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

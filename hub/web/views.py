"""The web client's pages: log in and out, the chat page that boots the client, and the
command list the composer offers after `/`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language, get_language_info
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from hub.chat import commands as command_registry
from hub.chat.serializers import user_full
from hub.lib.http import endpoint
from hub.org import actions as org_actions
from hub.org.access import managed_unit_ids
from hub.org.models import User
from hub.web.forms import FirstPasswordForm, LoginForm


def _csp(request: HttpRequest) -> str:
    host = request.get_host()
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        f"connect-src 'self' ws://{host} wss://{host}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def strict_csp(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only our own scripts run on the page: a second wall behind the sanitizer, so that
    markup slipping into a message could still not execute."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", _csp(request))
        return response

    return wrapper


@cache
def static_version() -> str:
    """Changes when any file of the client changes: appended to the entry URLs so that a
    browser fetches a new client after a deploy."""
    digest = hashlib.sha256()
    for folder in settings.STATICFILES_DIRS:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", _csp(request))
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["static_version"] = static_version()
        return context


    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "locked_seconds", None):
            response.status_code = 429
            response["Retry-After"] = str(form.locked_seconds)
        return response


class LogoutView(auth_views.LogoutView):
    next_page = settings.LOGOUT_REDIRECT_URL

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # This browser's sockets close on every server process.
        if request.user.is_authenticated:
            org_actions.end_session(user=request.user,  # type: ignore[arg-type]
                                    session_key=request.session.session_key)
        return super().post(request, *args, **kwargs)


@never_cache
@login_required
@strict_csp
def first_password(request: HttpRequest) -> HttpResponse:
    """The screen that stands before everything else while the person must replace the
    password an administrator gave them."""
    user = request.user
    assert isinstance(user, User)
    if not user.must_change_password:
        return redirect("chat")
    form = FirstPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        _first_change(request, user, form.cleaned_data["new_password1"])
        return redirect("chat")
    return render(request, "web/password.html", {"form": form,
                                                 "static_version": static_version()})


def _first_change(request: HttpRequest, user: User, password: str) -> None:
    from django.contrib.auth import update_session_auth_hash

    from hub.org import people

    people.set_first_password(user=user, password=password,
                              session_key=request.session.session_key)
    update_session_auth_hash(request, user)


@never_cache
@ensure_csrf_cookie
@login_required
@strict_csp
def chat(request: HttpRequest) -> HttpResponse:
    assert request.user.pk is not None  # login_required
    if getattr(request.user, "must_change_password", False):
        return redirect("first_password")
    user = User.objects.prefetch_related("unit_memberships__unit").get(pk=request.user.pk)
    boot = {
        # manages_units: whether the 人员管理 page is offered (a unit admin or the superuser).
        "me": {**user_full(user), "manages_units": bool(managed_unit_ids(user)),
               "is_superuser": user.is_superuser},
        "language": get_language(),
        "languages": [{"code": code, "name": get_language_info(code)["name_local"]}
                      for code, _ in settings.LANGUAGES],
        "max_upload_bytes": settings.HUITONG_MAX_UPLOAD_BYTES,
        "max_message_chars": settings.HUITONG_MAX_MESSAGE_CHARS,
        "ws_path": "/ws/v1/",
        "login_url": settings.LOGIN_URL,
    }
    return render(request, "web/chat.html", {"boot": boot, "static_version": static_version()})


@endpoint("GET")
def commands(request: HttpRequest, user: User) -> Any:
    """`[{"name", "help", "usage"}]`: the bot commands the composer offers after `/`."""
    return 200, command_registry.all_commands()

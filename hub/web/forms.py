from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub.lib.errors import ApiError


class LoginForm(AuthenticationForm):
    """The browser's login, under the same throttle and audit as `POST /auth/token`."""

    username = forms.CharField(
        label=_("Username"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                      "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }
    locked_seconds: int | None = None

    def clean(self) -> dict[str, Any]:
        from hub.org import actions

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        try:
            self.user_cache = actions.log_in(request=self.request, username=username,
                                             password=password, via="web")
        except ApiError as exc:
            if exc.code == "rate_limited":
                seconds = int(exc.extra.get("retry_after") or 60)
                self.locked_seconds = seconds
                minutes = max(1, (seconds + 59) // 60)
                raise ValidationError(ngettext(
                    "Too many failed logins. Try again in %(minutes)d minute.",
                    "Too many failed logins. Try again in %(minutes)d minutes.", minutes)
                    % {"minutes": minutes}, code="locked") from exc
            raise self.get_invalid_login_error() from exc
        return self.cleaned_data


class FirstPasswordForm(SetPasswordForm):
    """The new password of someone whose password an administrator set: Django's validators,
    and not the password they were given."""

    def clean_new_password1(self) -> str:
        password = self.cleaned_data.get("new_password1") or ""
        if password and self.user.check_password(password):
            raise ValidationError(_("Choose a password different from the one you were given."),
                                  code="same")
        return password

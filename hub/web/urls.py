from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog, set_language

from hub.web import views

urlpatterns = [
    path("", views.chat, name="chat"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.first_password, name="first_password"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(domain="djangojs"), name="javascript-catalog"),
]

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from hub.chat import views as chat
from hub.core import routes
from hub.core import views as core
from hub.org import views as org
from hub.web import views as web

api = [
    path("auth/token", org.token),
    path("me", org.me),
    path("users", org.users),
    path("users/<str:username>", org.user_detail),
    path("directory", org.directory),
    path("directory.csv", org.directory_csv),
    path("units", org.units),
    path("units/managed", org.managed_units),
    path("units/<str:code>", org.unit_detail),
    path("units/<str:code>/merge", org.unit_merge),
    path("units/<str:code>/people", org.unit_people),
    path("units/<str:code>/people/template.<str:fmt>", org.people_template),
    path("units/<str:code>/people/import", org.people_import),
    path("units/<str:code>/audit", org.unit_audit),
    path("people/<str:username>", org.person),
    path("people/<str:username>/password", org.person_password),
    path("people/<str:username>/sessions/end", org.person_sessions_end),
    path("rooms", chat.rooms),
    path("rooms/<int:room_id>", chat.room_detail),
    path("rooms/<int:room_id>/messages", chat.messages),
    path("rooms/<int:room_id>/read", chat.read),
    path("rooms/<int:room_id>/members", chat.room_members),
    path("rooms/<int:room_id>/leave", chat.room_leave),
    path("rooms/<int:room_id>/join", chat.channel_join),
    path("rooms/<int:room_id>/mute", chat.room_mute),
    path("rooms/<int:room_id>/pins", chat.room_pins),
    path("rooms/<int:room_id>/pins/<int:message_id>", chat.room_pin),
    path("rooms/<int:room_id>/settings", chat.room_settings),
    path("rooms/<int:room_id>/topics", chat.topics),
    path("rooms/<int:room_id>/topics/rename", chat.topic_rename),
    path("rooms/<int:room_id>/topics/move", chat.topic_move),
    path("rooms/<int:room_id>/topics/follow", chat.topic_state),
    path("topics", chat.followed_topics),
    path("channels", chat.channels),
    path("messages/<int:message_id>", chat.message_detail),
    path("messages/<int:message_id>/readers", chat.readers),
    path("messages/<int:message_id>/reactions", chat.reactions),
    path("messages/<int:message_id>/actions", chat.message_action),
    path("messages/<int:message_id>/forward", chat.forward),
    path("messages/<int:message_id>/remind", chat.remind),
    path("messages/<int:message_id>/thread", chat.thread),
    path("attachments", chat.upload),
    path("attachments/<int:attachment_id>", chat.download),
    path("attachments/<int:attachment_id>/preview", chat.preview),
    path("attachments/<int:attachment_id>/<path:name>", chat.download),
    path("commands", web.commands),
    path("todo", core.todo_list),
    path("todo/kinds", core.todo_kinds),
    path("openapi.json", core.openapi),
    # What bots and other apps on the core add (documents...), see hub/core/routes.py.
    *routes.api,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core.healthz),
    path("api/v1/", include(api)),
    path("", include("hub.web.urls")),
]

handler404 = "hub.core.views.not_found"
handler500 = "hub.core.views.server_error"

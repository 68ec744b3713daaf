from __future__ import annotations

from django.urls import path

from bots.bulletins import views

# The routes with ids come first: `bulletins/<code>/...` must not take `items` for a code.
urlpatterns = [
    path("bulletins", views.publications),
    path("bulletins/calls/<int:call_id>", views.call_detail),
    path("bulletins/items/<int:item_id>", views.item_detail),
    path("bulletins/items/<int:item_id>/decide", views.item_decide),
    path("bulletins/items/<int:item_id>/instructions", views.item_instructions),
    path("bulletins/items/<int:item_id>/files/<int:index>", views.item_file),
    path("bulletins/issues/<int:issue_id>", views.issue_detail),
    path("bulletins/issues/<int:issue_id>/decide", views.issue_decide),
    path("bulletins/issues/<int:issue_id>/resubmit", views.issue_resubmit),
    path("bulletins/issues/<int:issue_id>/publish", views.issue_publish),
    path("bulletins/issues/<int:issue_id>/read", views.issue_read),
    path("bulletins/issues/<int:issue_id>/remind", views.issue_remind),
    path("bulletins/issues/<int:issue_id>/pdf", views.issue_pdf),
    path("bulletins/issues/<int:issue_id>/verify", views.issue_verify),
    path("bulletins/<slug:code>/calls", views.calls),
    path("bulletins/<slug:code>/items", views.items),
    path("bulletins/<slug:code>/issues", views.issues),
    path("bulletins/<slug:code>/stats", views.stats),
]

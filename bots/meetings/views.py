"""HTTP endpoints for meetings: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from bots.meetings import exports, selectors, services
from bots.meetings.schemas import CancelIn, MeetingChangeIn, MeetingIn, MeetingsQuery, RsvpIn
from hub.lib.errors import forbidden
from hub.lib.http import endpoint, parse_body, parse_query
from hub.org.models import User


def _answer(user: User, meeting_id: int) -> dict[str, Any]:
    meeting, access = selectors.access_meeting(user=user, meeting_id=meeting_id)
    return selectors.meeting_dict(meeting, access, viewer=user)


@endpoint("GET", "POST")
def meetings(request: HttpRequest, user: User) -> Any:
    if request.method == "GET":
        query = parse_query(request, MeetingsQuery)
        return 200, selectors.meetings_for(user=user, box=query.box, limit=query.limit,
                                           offset=query.offset)
    meeting = services.create_meeting(organiser=user, data=parse_body(request, MeetingIn))
    return 201, _answer(user, meeting.id)


@endpoint("GET", "PATCH")
def detail(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, access = selectors.access_meeting(user=user, meeting_id=meeting_id)
    if request.method == "PATCH":
        data = parse_body(request, MeetingChangeIn)
        services.change_meeting(user=user, meeting_id=meeting.id, data=data)
    return 200, _answer(user, meeting.id)


@endpoint("POST")
def cancel(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, _ = selectors.access_meeting(user=user, meeting_id=meeting_id)
    data = parse_body(request, CancelIn)
    services.cancel_meeting(user=user, meeting_id=meeting.id, reason=data.reason)
    return 200, _answer(user, meeting.id)


@endpoint("POST")
def remind(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, _ = selectors.access_meeting(user=user, meeting_id=meeting_id)
    return 200, {"reminded": services.remind(user=user, meeting_id=meeting.id)}


@endpoint("POST")
def rsvp(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, _ = selectors.access_meeting(user=user, meeting_id=meeting_id)
    data = parse_body(request, RsvpIn)
    params = {"comment": data.comment, "delegate": data.delegate, "attendees": data.attendees}
    services.rsvp(user=user, meeting_id=meeting.id, action=data.action, unit=data.unit,
                  params=params)
    return 200, _answer(user, meeting.id)


@endpoint("GET")
def roster(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, access = selectors.access_meeting(user=user, meeting_id=meeting_id)
    if not access.organiser:
        raise forbidden("只有组织单位可以查看完整的参会名单")
    return 200, selectors.roster_dict(meeting, access)


@endpoint("GET")
def roster_csv(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, access = selectors.access_meeting(user=user, meeting_id=meeting_id)
    if not access.organiser:
        raise forbidden("只有组织单位可以导出参会名单")
    response = HttpResponse(exports.roster_csv(meeting), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=\"meeting-{meeting.id}-roster.csv\""
    return response


@endpoint("GET")
def ics(request: HttpRequest, user: User, meeting_id: int) -> Any:
    meeting, _ = selectors.access_meeting(user=user, meeting_id=meeting_id)
    host = request.get_host().split(":")[0] or "huitong"
    response = HttpResponse(exports.meeting_ics(meeting, host=host),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=\"meeting-{meeting.id}.ics\""
    return response

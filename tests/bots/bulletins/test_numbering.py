"""Numbering on PostgreSQL: two editors publishing two issues at the same moment get
consecutive numbers (第1期 and 第2期, 总第1期 and 总第2期), never the same one; a number taken
behind the counter's back answers 409 and publishes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import close_old_connections

from bots.bulletins.models import Issue, IssueUnit, Publication, YearCounter
from hub.chat.models import Message
from tests.bots.bulletins.conftest import item_body

pytestmark = pytest.mark.django_db(transaction=True)


def signed_off_issue(api: Any, submitter: str, title: str) -> int:
    item = api(submitter).post("/bulletins/zwxx/items", item_body(title)).json()
    api("clerk").post(f"/bulletins/items/{item['id']}/decide", {"action": "adopt"})
    issue = api("clerk").post("/bulletins/zwxx/issues", {
        "items": [item["id"]], "signer": "leader", "audience": ["town1", "town2"]}).json()
    assert api("leader").post(f"/bulletins/issues/{issue['id']}/decide",
                              {"action": "sign_off"}).status_code == 200
    return int(issue["id"])


def test_two_editors_publishing_at_once_get_consecutive_numbers(api: Any, demo: Any) -> None:
    publication = Publication.objects.get(code="zwxx")
    publication.editors.add(demo["users"]["leader"])
    Publication.objects.filter(id=publication.id).update(last_total=344)  # the printed series
    first = signed_off_issue(api, "staff4", "城关镇信息")
    second = signed_off_issue(api, "staff5", "河西镇信息")
    editors = {"clerk": api("clerk"), "leader": api("leader")}
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def publish(editor: str, issue_id: int) -> None:
        try:
            start.wait()
            answers[editor] = editors[editor].post(
                f"/bulletins/issues/{issue_id}/publish").status_code
        finally:
            close_old_connections()

    threads = [threading.Thread(target=publish, args=("clerk", first)),
               threading.Thread(target=publish, args=("leader", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert answers == {"clerk": 200, "leader": 200}
    numbers = sorted(Issue.objects.filter(id__in=[first, second]).values_list(
        "number", "total_number"))
    assert numbers == [(1, 345), (2, 346)]
    assert Publication.objects.get(id=publication.id).last_total == 346


def test_a_taken_number_answers_409_and_publishes_nothing(api: Any, demo: Any) -> None:
    first = signed_off_issue(api, "staff4", "城关镇信息")
    assert api("clerk").post(f"/bulletins/issues/{first}/publish").status_code == 200
    second = signed_off_issue(api, "staff5", "河西镇信息")
    # The year's counter is set back (a restore, a hand edit): the next number is taken.
    YearCounter.objects.update(last=0)
    Publication.objects.filter(code="zwxx").update(last_total=0)
    messages = Message.objects.count()
    response = api("clerk").post(f"/bulletins/issues/{second}/publish")
    assert response.status_code == 409
    assert "期号已被占用" in response.json()["error"]["detail"]
    issue = Issue.objects.get(id=second)
    assert (issue.state, issue.number, issue.signature_id, issue.pdf_id) == (
        "signed_off", None, None, None)
    assert not IssueUnit.objects.filter(issue=issue).exists()
    assert Message.objects.count() == messages
    assert YearCounter.objects.get().last == 0, "the failed publication gave its number back"

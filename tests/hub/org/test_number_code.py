"""A unit's 机关代字 (the prefix of its 发文字号), as the 人员管理 page changes it: kept by the
documents app (`GET`/`PATCH /documents/units/{code}/settings`), changed by the unit's
administrator and by the system administrator, checked, audited, and used for the next number
the unit issues; another unit's administrator learns nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from bots.documents import drafts
from hub.org.models import Unit
from hub.seals.models import AuditEntry

pytestmark = pytest.mark.django_db

PATH = "/documents/units/{}/settings"


def test_the_unit_admin_sets_the_prefix_and_the_next_number_uses_it(api: Any) -> None:
    admin = api("wsjadmin")
    shown = admin.get(PATH.format("wsj"))
    assert shown.status_code == 200, shown.content
    default = shown.json()["number_code"]
    assert default and shown.json()["may_change"] is True
    changed = admin.patch(PATH.format("wsj"), {"number_code": " 区卫健 "})
    assert changed.status_code == 200, changed.content
    assert changed.json()["number_code"] == "区卫健"
    wsj = Unit.objects.get(code="wsj")
    assert drafts.number_code(wsj) == "区卫健"
    entry = AuditEntry.objects.filter(event="documents.settings_changed",
                                      subject="unit:wsj").latest("seq")
    assert entry.data["number_code"] == "区卫健"
    # The next document the unit issues without a number is numbered under it, from 1.
    from django.db import transaction

    from bots.documents.chain import next_number

    with transaction.atomic():
        number = next_number(wsj, year=timezone.localtime().year)
    assert (number.code, number.seq) == ("区卫健", 1)
    assert number.raw == f"区卫健〔{timezone.localtime().year}〕1号"
    # Cleared: back to the default.
    assert admin.patch(PATH.format("wsj"), {"number_code": ""}).json()["number_code"] == default


@pytest.mark.parametrize("bad", ["区府办/文", "区 府办", "〔区府办〕", "区府办号码太长了超过了十六个字的限制啊"])
def test_a_prefix_that_cannot_number_documents_is_refused(api: Any, bad: str) -> None:
    admin = api("wsjadmin")
    before = admin.get(PATH.format("wsj")).json()["number_code"]
    refused = admin.patch(PATH.format("wsj"), {"number_code": bad})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "bad_request"
    assert admin.get(PATH.format("wsj")).json()["number_code"] == before


def test_the_system_administrator_sets_any_units_prefix_and_others_may_not(api: Any) -> None:
    assert api("admin").patch(PATH.format("town1"), {"number_code": "城关政"}).status_code == 200
    assert api("admin").get(PATH.format("town1")).json()["number_code"] == "城关政"
    # Another unit's administrator: not found, nothing of it named.
    other = api("wsjadmin").patch(PATH.format("town1"), {"number_code": "改掉"})
    assert other.status_code == 404 and "城关" not in other.content.decode()
    assert api("wsjadmin").get(PATH.format("town1")).status_code == 404
    # A member who is neither leader nor administrator reads it and may not change it.
    assert api("staff4").get(PATH.format("town1")).json()["may_change"] is False
    assert api("staff4").patch(PATH.format("town1"), {"number_code": "改掉"}).status_code == 403
    assert drafts.number_code(Unit.objects.get(code="town1")) == "城关政"


def test_an_administrator_of_the_unit_above_sets_its_prefix(api: Any, demo: Any) -> None:
    """The district's administrator manages every unit below it, 机关代字 included."""
    from hub.org import actions
    from hub.org.models import User
    from tests.conftest import DEMO_PASSWORD

    district_admin = User.objects.create(username="qzadmin", display_name="区人事管理员")
    district_admin.set_password(DEMO_PASSWORD)
    district_admin.save(update_fields=["password"])
    actions.set_unit_membership(unit=demo["units"]["district"], user=district_admin, role="admin")
    admin = api("qzadmin")
    assert admin.get(PATH.format("town2")).json()["may_change"] is True
    assert admin.patch(PATH.format("town2"), {"number_code": "河西政"}).status_code == 200
    assert drafts.number_code(Unit.objects.get(code="town2")) == "河西政"

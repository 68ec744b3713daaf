"""The demo's publications: 《政务信息》 (`zwxx`) of the government office, edited by `clerk`,
and 《党务信息》 (`dwxx`) of the party committee's office, edited by `staff1`."""

from __future__ import annotations

from bots.bulletins.models import Publication
from hub.org.models import Unit, User

DEMO = [("zwxx", "政务信息", "zfb", ["clerk"], 1), ("dwxx", "党务信息", "qwb", ["staff1"], 2)]


def seed(password: str = "") -> None:
    for code, name, unit_code, editors, order in DEMO:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            continue
        publication, _ = Publication.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "sort_order": order})
        publication.editors.add(*User.objects.filter(username__in=editors))

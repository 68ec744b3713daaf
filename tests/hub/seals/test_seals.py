"""Unit seal keys, canonical signing and verification, and the seal picture."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.utils import timezone

from hub.lib.errors import ApiError
from hub.org.models import Unit
from hub.seals import keys, signing
from hub.seals.canonical import canonical_json
from hub.seals.image import seal_data_url, seal_svg
from hub.seals.models import SealKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(db: Any) -> Unit:
    return Unit.objects.create(code="jyj", name="区教育局", kind=Unit.Kind.GOVERNMENT)


def describe(path: tuple[Any, ...]) -> str:
    return "“" + ".".join(str(p) for p in path) + "”"


def test_canonical_json_is_sorted_compact_utf8_and_refuses_floats() -> None:
    assert canonical_json({"b": 1, "a": ["标题", None, True]}) == '{"a":["标题",null,true],"b":1}'.encode()
    with pytest.raises(TypeError):
        canonical_json({"x": 1.5})


def test_one_active_key_per_unit_and_the_private_key_is_never_stored_in_clear(unit: Unit) -> None:
    first = keys.active_key(unit=unit)
    assert keys.active_key(unit=unit).id == first.id
    assert first.alg == "ed25519" and first.key_id.startswith("ed25519:")
    assert first.private_key.startswith("aesgcm1:")
    # The raw private key (decrypted) must not appear anywhere in the row.
    raw = keys._unwrap(first.private_key, first.key_id)
    row = " ".join(str(v) for v in SealKey.objects.filter(id=first.id).values().first().values())
    assert base64.b64encode(raw).decode() not in row and raw.hex() not in row


def test_a_different_seal_key_setting_cannot_unlock_the_private_key(unit: Unit,
                                                                     settings: Any) -> None:
    key = keys.active_key(unit=unit)
    settings.HUITONG_SEAL_KEY = "another-secret"
    with pytest.raises(ApiError) as error:
        signing.seal(unit=unit, subject="x:1", content={"a": 1}, at=timezone.now())
    assert "HUITONG_SEAL_KEY" in error.value.detail
    assert key.wrapped_with != keys.wrapping_fingerprint()


def test_a_sealed_content_verifies_and_any_change_names_the_field(unit: Unit) -> None:
    content = {"title": "关于开展检查的通知", "attachments": [{"name": "a.pdf", "sha256": "00"}]}
    signature = signing.seal(unit=unit, subject="document:1", content=content, at=timezone.now())
    ok = signing.verify(signature=signature, subject="document:1", content=content,
                        describe=describe)
    assert ok.valid and ok.unit == "jyj" and ok.key_id == signature.key.key_id
    changed = {**content, "title": "关于取消检查的通知"}
    bad = signing.verify(signature=signature, subject="document:1", content=changed,
                         describe=describe)
    assert not bad.valid and "“title”" in bad.reason
    other = signing.verify(signature=signature, subject="document:2", content=content,
                           describe=describe)
    assert not other.valid


def test_a_changed_signed_record_fails_the_signature_check(unit: Unit) -> None:
    content = {"title": "原文"}
    signature = signing.seal(unit=unit, subject="document:1", content=content, at=timezone.now())
    # Someone rewrites the signed bytes and the content together: the signature no longer fits.
    signature.tbs = signature.tbs.replace("原文", "改文")
    result = signing.verify(signature=signature, subject="document:1", content={"title": "改文"},
                            describe=describe)
    assert not result.valid and "签章值校验失败" in result.reason


def test_a_revoked_key_makes_later_signatures_invalid(unit: Unit) -> None:
    signature = signing.seal(unit=unit, subject="document:1", content={}, at=timezone.now())
    SealKey.objects.filter(id=signature.key_id).update(revoked_at=signature.signed_at)
    signature.refresh_from_db()
    result = signing.verify(signature=signature, subject="document:1", content={},
                            describe=describe)
    assert not result.valid and "吊销" in result.reason


def test_the_seal_picture_is_a_red_round_stamp_with_the_name_and_a_star() -> None:
    svg = seal_svg("区政府办公室")
    assert svg.startswith("<svg") and "<circle" in svg and "<polygon" in svg
    assert "区政府办公室</textPath>" in svg and "#d7000f" in svg
    assert "<script" not in seal_svg("<script>alert(1)</script>")
    assert seal_data_url("区政府办公室").startswith("data:image/svg+xml;base64,")

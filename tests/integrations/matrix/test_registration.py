"""`manage.py matrix_registration --out FILE`: the registration, tokens generated once."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command


def test_tokens_are_generated_once(tmp_path: Path, settings: Any) -> None:
    settings.HUITONG_MATRIX_SERVER_NAME = "gov.example"
    settings.HUITONG_MATRIX_LISTEN = "127.0.0.1:29330"
    out = tmp_path / "huitong.yaml"
    call_command("matrix_registration", "--out", str(out), stdout=StringIO())
    first = json.loads(out.read_text())
    assert first["url"] == "http://127.0.0.1:29330"
    assert first["sender_localpart"] == "huitong"
    assert first["namespaces"]["users"] == [{"exclusive": True, "regex": r"@ht_.*:gov\.example"}]
    assert first["receive_ephemeral"] is True and first["rate_limited"] is False
    assert len(first["as_token"]) >= 32 and first["as_token"] != first["hs_token"]
    assert out.stat().st_mode & 0o777 == 0o600
    settings.HUITONG_MATRIX_LISTEN = "10.0.0.5:29330"
    call_command("matrix_registration", "--out", str(out), stdout=StringIO())
    second = json.loads(out.read_text())
    assert (second["as_token"], second["hs_token"]) == (first["as_token"], first["hs_token"])
    assert second["url"] == "http://10.0.0.5:29330"


def test_a_server_name_is_required(tmp_path: Path, settings: Any) -> None:
    settings.HUITONG_MATRIX_SERVER_NAME = ""
    with pytest.raises(CommandError):
        call_command("matrix_registration", "--out", str(tmp_path / "r.yaml"), stdout=StringIO())


def test_ghost_names_follow_the_matrix_mapping() -> None:
    from integrations.matrix.config import ghost_localpart

    assert ghost_localpart("staff1") == "ht_staff1"
    assert ghost_localpart("Li_Ming") == "ht__li___ming"
    assert ghost_localpart("张三") == "ht_=e5=bc=a0=e4=b8=89"

"""The Django admin, kept for developers, speaks Chinese throughout (no English sentence left
on the pages for people and units)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/admin/org/user/add/", "/admin/org/unit/add/", "/admin/"])
def test_admin_pages_have_no_english_sentences(demo: Any, path: str) -> None:
    client = Client()
    client.force_login(demo["users"]["admin"])
    html = client.get(path).content.decode()
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", "\n", html, flags=re.S)
    english = [line.strip() for line in text.splitlines()
               if re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", line)
               and not re.search(r"[\u4e00-\u9fff]", line)]
    assert english == []

"""Archive helpers: documents sent by the government office's clerk to the townships and
handled there, approvals settled, and the sweep run as the worker runs it."""

from __future__ import annotations

from typing import Any

import pytest

from archive import filing
from tests.bots.conftest import document_body, person, press, recipient  # noqa: F401 (fixture)


def sweep() -> int:
    """What the worker's `archive.file` task does every two seconds."""
    return filing.file_pending()


@pytest.fixture
def sent(demo: Any, api: Any) -> Any:
    def send(**overrides: Any) -> dict[str, Any]:
        upload = api("clerk").upload("实施方案.txt", "一、工作目标\n二、工作措施\n".encode()).json()
        overrides.setdefault("attachments", [upload["id"]])
        response = api("clerk").post("/documents", document_body(**overrides))
        assert response.status_code == 201, response.content
        return response.json()

    return send


def handle(api: Any, document: dict[str, Any], code: str, clerk: str, *,
           assignee: str | None = None, reply: str = "") -> None:
    """The unit's clerk signs and (after assigning, if asked) completes its copy."""
    message = recipient(document, code)["message"]
    assert press(api(clerk), message, "sign").status_code == 200
    if assignee:
        assert press(api(clerk), message, "assign", assignee=assignee).status_code == 200
    response = press(api(clerk), message, "complete", comment=reply)
    assert response.status_code == 200, response.content


def settle_approval(api: Any, *, steps: list[list[str]], decisions: list[tuple[str, str]],
                    title: str = "关于购置应急物资的请示") -> dict[str, Any]:
    approval = api("clerk").post("/approvals", {"title": title, "body": "预算 8 万元。",
                                                "steps": steps}).json()
    for who, action in decisions:
        response = api(who).post(f"/approvals/{approval['id']}/decide",
                                 {"action": action, "comment": "同意。"})
        assert response.status_code == 200, response.content
    return api("clerk").get(f"/approvals/{approval['id']}").json()

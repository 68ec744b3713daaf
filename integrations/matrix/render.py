"""How Huitong messages look on Matrix, and Matrix events in Huitong."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from integrations.matrix.gate import SUMMARY_CARDS

HTML = "org.matrix.custom.html"
CARD_PAGES = {"approval": "approval", "meeting": "meeting"}


def text_content(*, body: str, html: str, reply_to_event: str | None) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": "m.text", "body": body}
    if html:
        content["format"] = HTML
        content["formatted_body"] = html
    if reply_to_event:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to_event}}
    return content


def replacement(original_event: str, new: dict[str, Any]) -> dict[str, Any]:
    """An edit (m.replace) of `original_event` to the content `new`."""
    new = {k: v for k, v in new.items() if k != "m.relates_to"}
    content = {**new, "body": "* " + new.get("body", ""),
               "m.new_content": new,
               "m.relates_to": {"rel_type": "m.replace", "event_id": original_event}}
    if "formatted_body" in new:
        content["formatted_body"] = "* " + new["formatted_body"]
    return content


def file_content(*, name: str, mime: str, size: int, url: str) -> dict[str, Any]:
    msgtype = "m.image" if mime.startswith("image/") else "m.file"
    return {"msgtype": msgtype, "body": name, "filename": name, "url": url,
            "info": {"mimetype": mime, "size": size}}


def card_summary(card: dict[str, Any], *, public_url: str) -> dict[str, Any]:
    """A read-only m.notice: the card's kind, title and state, its fields as a small table,
    and a link to it in Huitong. No buttons: decisions are taken in Huitong."""
    kind = SUMMARY_CARDS.get(card.get("card_type", ""), "卡片")
    title = str(card.get("title", ""))
    state = str(card.get("state_label") or card.get("state") or "")
    page = CARD_PAGES.get(card.get("card_type", ""))
    link = f"{public_url}/#{page}/{card.get('ref')}" if page and card.get("ref") else public_url
    fields = [(str(f.get("label", "")), str(f.get("value", "")))
              for f in card.get("fields") or [] if isinstance(f, dict)]
    head = f"【{kind}】{title}" + (f"（{state}）" if state else "")
    lines = [head, *(f"{label}：{value}" for label, value in fields), f"在汇通中查看：{link}"]
    rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                   for label, value in fields)
    html = (f"<p><strong>{escape(head)}</strong></p>"
            + (f"<table>{rows}</table>" if rows else "")
            + f'<p><a href="{escape(link, quote=True)}">在汇通中查看</a></p>')
    return {"msgtype": "m.notice", "body": "\n".join(lines), "format": HTML,
            "formatted_body": html}


_MX_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.S)


def strip_reply_fallback(body: str, html: str | None) -> tuple[str, str | None]:
    """Remove the quoted parent some clients still put before a reply."""
    lines = body.split("\n")
    if lines and lines[0].startswith("> "):
        while lines and lines[0].startswith(">"):
            lines.pop(0)
        if lines and not lines[0].strip():
            lines.pop(0)
        body = "\n".join(lines)
    if html is not None:
        html = _MX_REPLY.sub("", html)
    return body, html


def incoming_text(content: dict[str, Any]) -> tuple[str, str | None]:
    """(body, html or None) of a Matrix message; without HTML the body is read as Markdown
    like any Huitong message. The HTML goes through Huitong's sanitiser when stored."""
    raw_body = content.get("body")
    body: str = raw_body if isinstance(raw_body, str) else ""
    html: str | None = None
    formatted = content.get("formatted_body")
    if content.get("format") == HTML and isinstance(formatted, str):
        html = formatted
    relates = content.get("m.relates_to") or {}
    if isinstance(relates, dict) and "m.in_reply_to" in relates:
        body, html = strip_reply_fallback(body, html)
    return body, html

"""Markdown to safe HTML.

markdown-it renders CommonMark with raw HTML switched off (so typed tags come out as text),
then bleach keeps only an allow-list of tags, attributes and URL schemes and makes every
link `rel="noopener noreferrer nofollow"`. Mentions (`@username`, `@单位代码`) are found
in text tokens only, never inside code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape, unescape

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    "span",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "target"],
    "span": ["class", "data-user", "data-unit"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# A mention: @ followed by a username, a unit code or a Chinese name.
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{1,64}|[\u4e00-\u9fff]{1,16})")


@dataclass(frozen=True)
class MentionTarget:
    kind: str  # "user" or "unit"
    id: int
    label: str


@dataclass
class Rendered:
    html: str
    users: set[int] = field(default_factory=set)
    units: set[int] = field(default_factory=set)


MentionResolver = Callable[[str], MentionTarget | None]


def _set_link_attrs(attrs: dict, new: bool = False) -> dict | None:
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href.lower().startswith(("http://", "https://", "mailto:")):
        # bleach has removed unsafe schemes already; anything else is not a link.
        return None
    attrs[(None, "rel")] = "noopener noreferrer nofollow"
    attrs[(None, "target")] = "_blank"
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    css_sanitizer=None,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_attrs], skip_tags={"pre", "code"})],
)


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.enable(["table", "strikethrough"])
    return md


_MD = _md()


def _longest_known(token: str, resolve: MentionResolver) -> tuple[MentionTarget, int] | None:
    """The longest prefix of `token` that names someone: Chinese has no spaces, so
    `@王芳请查收` names 王芳; a trailing `.` or `-` ends a sentence, not a username."""
    for length in range(len(token), 0, -1):
        candidate = token[:length]
        if length < len(token) and candidate[-1].isascii() and token[length].isalnum() \
                and token[length].isascii():
            continue  # never split inside an ASCII word
        target = resolve(candidate)
        if target is not None:
            return target, length
    return None


def _split_mentions(token: Token, resolve: MentionResolver, out: Rendered) -> list[Token]:
    text = token.content
    pieces: list[Token] = []
    pos = 0
    for match in MENTION_RE.finditer(text):
        found = _longest_known(match.group(1), resolve)
        if found is None:
            continue
        target, length = found
        if match.start() > pos:
            t = Token("text", "", 0)
            t.content = text[pos:match.start()]
            pieces.append(t)
        html = Token("html_inline", "", 0)
        html.content = (
            f'<span class="mention mention-{target.kind}" data-{target.kind}="{target.id}">'
            f"@{escape(target.label)}</span>"
        )
        pieces.append(html)
        (out.users if target.kind == "user" else out.units).add(target.id)
        pos = match.start(1) + length
    if not pieces:
        return [token]
    if pos < len(text):
        t = Token("text", "", 0)
        t.content = text[pos:]
        pieces.append(t)
    return pieces


# Plain text: Chinese characters and punctuation, ASCII letters and digits, a comma, a question
# mark and single spaces within a line. None of these is a Markdown mark, an HTML special, part
# of a link or a mention, so such text renders as its lines in one paragraph, joined by `<br>`
# (the renderer's `breaks`); most chat messages (收到, 好的, 明天上午九点开会) are this.
_PLAIN_LINE_RE = re.compile(
    r"[0-9A-Za-z,?\u4e00-\u9fff\u3001\u3002\u300a-\u3011\u2014\u2018\u2019\u201c\u201d"
    r"\u2026\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\uff5e]+"
    r"(?: [0-9A-Za-z,?\u4e00-\u9fff\u3001\u3002\u300a-\u3011\u2014\u2018\u2019\u201c\u201d"
    r"\u2026\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\uff5e]+)*")


def _plain_html(body: str) -> str | None:
    """The HTML of `body` without parsing it, when it is plain text; None otherwise."""
    if len(body) > 2000:
        return None
    lines = body.split("\n")
    if not all(_PLAIN_LINE_RE.fullmatch(line) for line in lines):
        return None
    return "<p>" + "<br>\n".join(lines) + "</p>"


def render(body: str, resolve: MentionResolver | None = None) -> Rendered:
    """Render message source to sanitized HTML, collecting the mentioned users and units."""
    fast = _plain_html(body)
    if fast is not None:
        return Rendered(html=fast)
    return _render(body, resolve)


def _render(body: str, resolve: MentionResolver | None = None) -> Rendered:
    out = Rendered(html="")
    env: dict = {}
    tokens = _MD.parse(body, env)
    if resolve is not None and "@" in body:
        for token in tokens:
            if token.type == "inline" and token.children:
                children: list[Token] = []
                for child in token.children:
                    if child.type == "text" and "@" in child.content:
                        children.extend(_split_mentions(child, resolve, out))
                    else:
                        children.append(child)
                token.children = children
    raw = _MD.renderer.render(tokens, _MD.options, env)
    out.html = _cleaner.clean(raw).strip()
    return out


def sanitize(html: str) -> str:
    """Sanitize HTML from elsewhere (a bot, a bridge) with the same allow-list."""
    return _cleaner.clean(html)


_text_only = bleach.sanitizer.Cleaner(tags=set(), attributes={}, strip=True, strip_comments=True)


def plain(body: str) -> str:
    """The text a reader sees of Markdown source, without its marks (`**重要**` → 重要,
    `[链接](https://…)` → 链接), blocks on their own lines: for excerpts and search snippets."""
    rendered = _MD.render(body or "")
    rendered = re.sub(r"</(p|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", "\n", rendered)
    text = unescape(_text_only.clean(rendered))
    return re.sub(r"\n{2,}", "\n", re.sub(r"[ \t]+", " ", text)).strip()

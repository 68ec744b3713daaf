"""hub.lib.markdown turns what people type into HTML that the web client inserts as is: no
generated input may yield active content (script, handlers, styles, dangerous URLs), and
every link opens without giving the target page a handle on ours."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.lib import markdown
from hub.lib.markdown import MentionTarget

# What the client may receive, written out here rather than imported, so that widening the
# module's allow-list is a decision this test has to be told about.
SAFE_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
    "span",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "rel", "target"},
    "span": {"class", "data-user", "data-unit"},
    "ol": {"start"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}
REL = {"noopener", "noreferrer", "nofollow"}


class Inspector(HTMLParser):
    """Collects elements of the output and anything other than elements and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"declaration {data!r}")


def url_scheme(href: str) -> str | None:
    """The scheme a browser would see: it drops tabs and newlines anywhere in a URL and
    control characters and spaces around it before parsing."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
                                                   "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
                                                   "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def assert_inert(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    assert not inspector.other, f"{inspector.other} in {html!r}"
    for tag, attrs in inspector.elements:
        assert tag in SAFE_TAGS, f"<{tag}> in {html!r}"
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"repeated attribute on <{tag}> in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"handler {name} in {html!r}"
            assert name != "style", f"style attribute in {html!r}"
            assert name in SAFE_ATTRIBUTES.get(tag, set()), f"<{tag} {name}> in {html!r}"
            if name == "href":
                assert url_scheme(value or "") in SAFE_SCHEMES, f"href {value!r} in {html!r}"
        if tag == "a":
            attributes = dict(attrs)
            assert "href" in attributes, f"<a> without href in {html!r}"
            assert set((attributes.get("rel") or "").split()) >= REL, f"rel missing in {html!r}"


def test_the_inspector_flags_active_content() -> None:
    """The checker itself: each of these must be refused, or the properties prove nothing."""
    for html in ['<script>alert(1)</script>', '<img src=x onerror="alert(1)">',
                 '<p style="x">a</p>', '<a href="javascript:alert(1)" rel="noopener noreferrer '
                 'nofollow">x</a>', '<a href="java&#x09;script:1" rel="noopener noreferrer '
                 'nofollow">x</a>', '<a href="https://a.example">no rel</a>', '<p onclick="x">',
                 '<!-- comment -->', '<span data-x="1">a</span>', '<a href="/relative" rel='
                 '"noopener noreferrer nofollow">x</a>']:
        with pytest.raises(AssertionError):
            assert_inert(html)
    assert_inert('<p><a href="https://a.example" rel="noopener noreferrer nofollow" '
                 'target="_blank">ok</a></p>')


# --- strategies --------------------------------------------------------------------------------
def mixed_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True)))


def entity_encoded(text: str) -> st.SearchStrategy[str]:
    """Some characters written as decimal, hex or zero-padded character references."""
    forms = [lambda c: c, lambda c: f"&#{ord(c)};", lambda c: f"&#x{ord(c):x};",
             lambda c: f"&#X{ord(c):X}", lambda c: f"&#0000{ord(c)};"]
    return st.lists(st.sampled_from(forms), min_size=len(text), max_size=len(text)).map(
        lambda chosen: "".join(f(c) for f, c in zip(chosen, text, strict=True)))


SCHEME_NAMES = ["javascript", "vbscript", "data", "file", "livescript", "jar"]
SEPARATORS = ["", "\t", "\n", "\r", "\x00", " ", "&#9;", "&#10;", "&Tab;", "&NewLine;", "%09"]


@st.composite
def dangerous_url(draw: Any) -> str:
    scheme = draw(st.sampled_from(SCHEME_NAMES).flatmap(mixed_case))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(scheme)))
        scheme = scheme[:cut] + draw(st.sampled_from(SEPARATORS)) + scheme[cut:]
    if draw(st.booleans()):
        scheme = draw(entity_encoded(scheme))
    colon = draw(st.sampled_from([":", "&#58;", "&colon;", "&#x3a;", "%3A"]))
    lead = draw(st.sampled_from(["", " ", "\x01", "&#32;", "\u00a0"]))
    payload = draw(st.sampled_from([
        "alert(1)", "alert(document.cookie)//", "text/html,<script>alert(1)</script>",
        "text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "image/svg+xml,<svg onload=alert(1)>",
        "%61lert(1)",
    ]))
    return lead + scheme + colon + payload


SAFE_URL = st.sampled_from(["https://gov.example.cn/a?b=1&c=2", "http://example.com",
                            "mailto:office@example.cn", "HTTPS://EXAMPLE.COM/Path",
                            "//evil.example.com", "/relative", "www.example.com", "#frag"])
URL = st.one_of(dangerous_url(), SAFE_URL)

RAW_HTML = st.sampled_from([
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>", "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<form action=\"https://evil.example\"><input name=q><button>提交</button></form>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<img src=x onerror=alert(1)>", "<IMG SRC=x OnErRoR=alert(1)>",
    "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<object data=\"x.swf\"></object>", "<embed src=x>", "<base href=\"https://evil.example/\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=x>", "<p style=\"color:red\" onclick=\"alert(1)\">x</p>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<span class=\"mention\" data-user=\"1\" onmouseover=alert(1)>@假</span>",
    "<!-- <script>alert(1)</script> -->", "<![CDATA[<script>alert(1)</script>]]>",
    "<details open ontoggle=alert(1)>", "<video><source onerror=alert(1)></video>",
    "<textarea><script>alert(1)</script></textarea>", "<noscript><p title=\"</noscript>"
    "<img src=x onerror=alert(1)>\">", "</p><script>alert(1)</script><p>",
    "<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
    "\"><script>alert(1)</script>", "'><img src=x onerror=alert(1)>",
])


@st.composite
def tag_with_url(draw: Any) -> str:
    url = draw(URL)
    tag = draw(st.sampled_from([
        '<a href="{u}">点我</a>', "<a href='{u}'>点我</a>", "<a href={u}>点我</a>",
        '<A HREF="{u}">点我</A>', '<img src="{u}">', '<iframe src="{u}"></iframe>',
        '<form action="{u}"><button>x</button></form>', '<a href="{u}" style="x">点我</a>',
    ]))
    return tag.replace("{u}", url)


@st.composite
def markdown_with_url(draw: Any) -> str:
    url = draw(URL)
    label = draw(st.sampled_from(["点我", "`code`", "**粗**", "@clerk", "![图](x.png)", ""]))
    form = draw(st.sampled_from([
        "[{l}]({u})", "[{l}](<{u}>)", '[{l}]({u} "标题")', "![{l}]({u})", "<{u}>", "{u}",
        "[{l}][ref]\n\n[ref]: {u}", "[{l}][]\n\n[{l}]: {u}", "[![img]({u})]({u})",
    ]))
    return form.replace("{l}", label).replace("{u}", url)


MARKDOWN = st.sampled_from([
    "# 标题", "## 二级", "**粗体**", "*斜体*", "~~删除~~", "`行内代码`", "```\n代码块\n```",
    "```html\n<script>alert(1)</script>\n```", "> 引用", "- 列表项", "1. 第一", "3) 第三",
    "---", "| a | b |\n| - | - |\n| 1 | 2 |", "  \n", "\\*转义\\*", "&amp; &lt; &#60;",
    "@clerk", "@zfb", "@王芳", "@@clerk", "a@b.example", "\n\n", "    缩进代码",
])


def pieces() -> st.SearchStrategy[str]:
    return st.one_of(RAW_HTML, RAW_HTML.flatmap(mixed_case), RAW_HTML.flatmap(entity_encoded),
                     tag_with_url(), markdown_with_url(), MARKDOWN, st.text(max_size=20))


DOCUMENT = st.lists(pieces(), min_size=1, max_size=8).flatmap(
    lambda parts: st.lists(st.sampled_from(["", " ", "\n", "\n\n", "> ", "- ", "**", "`"]),
                           min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(s + p for s, p in zip(seps, parts, strict=True))))


def resolve(token: str) -> MentionTarget | None:
    """Mentions as the chat would resolve them, including a label that is itself markup."""
    return {
        "clerk": MentionTarget("user", 2, "王芳"),
        "王芳": MentionTarget("user", 2, "王芳"),
        "zfb": MentionTarget("unit", 3, "区政府办公室"),
        "evil": MentionTarget("user", 9, '<img src=x onerror=alert(1)>"'),
    }.get(token)


FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


# --- properties --------------------------------------------------------------------------------
@FAST
@given(DOCUMENT)
def test_rendered_markdown_has_no_active_content(source: str) -> None:
    assert_inert(markdown.render(source, resolve).html)


@FAST
@given(DOCUMENT.map(lambda s: s + " @evil @clerk"))
def test_rendering_with_mentions_has_no_active_content(source: str) -> None:
    assert_inert(markdown.render(source, resolve).html)


@FAST
@given(st.lists(st.one_of(RAW_HTML, tag_with_url(), st.text(max_size=20)), min_size=1,
                max_size=6).map("".join))
def test_sanitized_html_from_bots_has_no_active_content(html: str) -> None:
    """Bots and the bridge hand in HTML; the same guarantee holds for it."""
    assert_inert(markdown.sanitize(html))


# --- examples ----------------------------------------------------------------------------------
def test_mentions_of_users_and_units_become_mention_spans() -> None:
    rendered = markdown.render("请 @clerk 和 @zfb 今天回复", resolve)
    assert rendered.html == (
        '<p>请 <span class="mention mention-user" data-user="2">@王芳</span> 和 '
        '<span class="mention mention-unit" data-unit="3">@区政府办公室</span> 今天回复</p>'
    )
    assert (rendered.users, rendered.units) == ({2}, {3})


def test_mentions_in_code_stay_text_and_mention_nobody() -> None:
    rendered = markdown.render("`@clerk` 与\n\n```\n@zfb\n```\n\n    @clerk", resolve)
    assert "mention" not in rendered.html
    assert "<code>@clerk</code>" in rendered.html and "@zfb" in rendered.html
    assert (rendered.users, rendered.units) == (set(), set())


def test_unknown_names_and_email_addresses_are_not_mentions() -> None:
    rendered = markdown.render("@nobody 写信到 clerk@example.cn", resolve)
    assert "mention" not in rendered.html
    assert (rendered.users, rendered.units) == (set(), set())


def test_mention_label_is_escaped() -> None:
    html = markdown.render("@evil", resolve).html
    assert_inert(html)
    assert "&lt;img" in html


def test_links_get_rel_and_open_in_a_new_tab() -> None:
    html = markdown.render("[通知](https://gov.example.cn/n?id=1&x=2) 与 https://example.com", resolve).html
    assert html == (
        '<p><a href="https://gov.example.cn/n?id=1&amp;x=2" rel="noopener noreferrer nofollow" '
        'target="_blank">通知</a> 与 <a href="https://example.com" rel="noopener noreferrer '
        'nofollow" target="_blank">https://example.com</a></p>'
    )


def test_upper_case_schemes_are_still_links() -> None:
    """URL schemes are case-insensitive (RFC 3986), so HTTPS:// is as good as https://."""
    html = markdown.render("[通知](HTTPS://gov.example.cn/n)", resolve).html
    assert 'href="HTTPS://gov.example.cn/n"' in html
    assert_inert(html)


@pytest.mark.parametrize("source", [
    "[点我](javascript:alert(1))", "[点我](&#106;avascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))", "<javascript:alert(1)>", "[x](data:text/html,<script>)",
])
def test_script_links_lose_their_target(source: str) -> None:
    html = markdown.render(source, resolve).html
    assert_inert(html)
    assert "<a" not in html


def test_typed_tags_are_shown_as_text() -> None:
    html = markdown.render("<script>alert(1)</script>", resolve).html
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


# Plain text skips the parser; whatever takes that path must come out exactly as the parser
# renders it. The alphabet mixes the fast path's characters with Markdown marks, HTML
# specials, spaces, line breaks and what makes links and mentions, so both paths are taken.
_MIXED = st.lists(
    st.sampled_from(list("收到好的，。！？：；、《》【】（）“”…—～abcXYZ019 ,?\n")
                    + list("*_#>-+=.|[]()!<&\\`'\"@:/~\t\r") + ["www", ".com", "1. "]),
    max_size=40).map("".join)
_MOSTLY_PLAIN = st.lists(st.sampled_from(list("收到好的，。！？：；、《》【】（）“”…—～abcXYZ019 ,?\n")),
                         max_size=40).map("".join)


@settings(max_examples=1500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_MIXED, _MOSTLY_PLAIN))
def test_plain_text_fast_path_renders_exactly_as_the_parser(body: str) -> None:
    fast = markdown._plain_html(body)
    if fast is not None:
        assert fast == markdown._render(body).html
    assert markdown.render(body).html == markdown._render(body).html


@pytest.mark.parametrize("body", ["收到", "收到！", "ok 收到，明天上午9点见", "好的\n马上到",
                                  "《关于做好值班工作的通知》已阅"])
def test_common_replies_take_the_fast_path(body: str) -> None:
    assert markdown._plain_html(body) == markdown._render(body).html


@pytest.mark.parametrize("body", ["收到 ", "a  b", "1. 收到", "**收到**", "@王芳 收到",
                                  "见 www.example.com", "a\n\nb", "<b>x</b>", "x\r\ny", "# 标题"])
def test_anything_else_goes_through_the_parser(body: str) -> None:
    assert markdown._plain_html(body) is None

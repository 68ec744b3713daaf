"""Command lines as people type them: key:value, quotes, full-width Chinese punctuation."""

from __future__ import annotations

import pytest

from bots.parsing import ParseError, parse, split_list, yes


def test_name_positional_and_named_arguments() -> None:
    parsed = parse("/doc send type:通知 number:区府办〔2026〕12号 extra")
    assert parsed.name == "doc"
    assert parsed.args == ["send", "extra"]
    assert parsed.kwargs == {"type": "通知", "number": "区府办〔2026〕12号"}


def test_full_width_colon_comma_and_slash_are_read_like_ascii() -> None:
    parsed = parse("／doc send 文种：通知 主送：town1，town2、town3")
    assert parsed.name == "doc"
    assert parsed.kwargs["文种"] == "通知"
    assert split_list(parsed.kwargs["主送"]) == ["town1", "town2", "town3"]


@pytest.mark.parametrize("line, expected", [
    ('/doc send title:"关于 做好 工作的通知"', "关于 做好 工作的通知"),
    ("/doc send title:'单引号 标题'", "单引号 标题"),
    ("/doc send title:“中文引号 标题”", "中文引号 标题"),
    ("/doc send title:‘中文单引号’", "中文单引号"),
    ("/doc send title:「直角引号 标题」", "直角引号 标题"),
    ('/doc send title："冒号：逗号，都保留"', "冒号：逗号，都保留"),
    ("/doc send 标题：“全角冒号后的引号”", "全角冒号后的引号"),
])
def test_quoted_values_keep_spaces_and_punctuation(line: str, expected: str) -> None:
    parsed = parse(line)
    assert parsed.get("title", "标题") == expected
    assert parsed.args == ["send"]


def test_space_after_the_colon_names_the_next_word() -> None:
    parsed = parse("/doc send 标题： 通知一 主送: town1")
    assert parsed.kwargs == {"标题": "通知一", "主送": "town1"}


def test_ideographic_space_separates_words() -> None:
    parsed = parse("/doc\u3000show\u300012")
    assert parsed.args == ["show", "12"]


def test_a_colon_inside_quotes_does_not_make_a_key() -> None:
    parsed = parse('/doc show "a:b" deadline:2026-12-01T17:30')
    assert parsed.args == ["show", "a:b"]
    assert parsed.kwargs == {"deadline": "2026-12-01T17:30"}


def test_keys_are_case_insensitive_and_empty_quotes_give_empty_values() -> None:
    parsed = parse('/doc send TITLE:"" Body:x')
    assert parsed.kwargs == {"title": "", "body": "x"}


@pytest.mark.parametrize("line", ['/doc send title:"未闭合', "/doc send 标题:“未闭合", "doc send", "/", ""])
def test_unreadable_lines_say_why(line: str) -> None:
    with pytest.raises(ParseError) as error:
        parse(line)
    assert str(error.value)  # a message for the person, in Chinese


def test_yes_understands_chinese_and_english() -> None:
    assert yes("是") and yes("yes") and yes("1") and not yes("否") and not yes(None)

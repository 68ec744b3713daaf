"""The rules of the trade as pure functions: 发文字号, 文种, 紧急程度, classified marks,
recipient groups' names. No database access here except resolving units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from bots.documents.models import DOC_TYPES, Document
from hub.lib.errors import bad_request

# GB/T 9704-2012 §7.2.5: 机关代字 + 〔年份〕 + 序号 + 号. Wild data uses [ ] ［ ］ ( ) （ ） 【 】
# and sometimes 第; all are read and written back with 六角括号.
NUMBER_RE = re.compile(
    r"^(?P<code>[\u4e00-\u9fffA-Za-z0-9]{1,16}?)[〔\[［(（【](?P<year>\d{4})[〕\]］)）】]"
    r"第?(?P<seq>[1-9]\d{0,5})号$")
NUMBER_CODE_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{1,16}")
NUMBER_FORMAT_HINT = "发文字号应写作“机关代字〔年份〕序号号”，例如 区府办〔2026〕12号"


@dataclass(frozen=True)
class Number:
    code: str
    year: int
    seq: int
    raw: str

    @property
    def canonical(self) -> str:
        return f"{self.code}〔{self.year}〕{self.seq}号"


def parse_number(raw: str, *, today_year: int) -> Number:
    text = re.sub(r"\s+", "", raw or "")
    if not text:
        raise bad_request("请填写发文字号。" + NUMBER_FORMAT_HINT)
    match = NUMBER_RE.match(text)
    if match is None:
        raise bad_request(f"发文字号“{raw.strip()[:40]}”格式不正确。" + NUMBER_FORMAT_HINT)
    year = int(match["year"])
    if not 1949 <= year <= today_year + 1:
        raise bad_request(f"发文字号中的年份 {year} 不合理")
    return Number(code=match["code"], year=year, seq=int(match["seq"]), raw=raw.strip()[:64])


TYPE_ALIASES = {"令": "命令", "命令（令）": "命令", "命令(令)": "命令", "会议纪要": "纪要"}


def parse_doc_type(raw: str) -> str:
    text = (raw or "").strip()
    text = TYPE_ALIASES.get(text, text)
    if text not in DOC_TYPES:
        if not text:
            raise bad_request("请选择文种：" + "、".join(DOC_TYPES))
        raise bad_request(f"文种“{text[:20]}”不在 15 种法定文种之内：" + "、".join(DOC_TYPES))
    return text


URGENCY_ALIASES = {
    "normal": Document.Urgency.NORMAL, "": Document.Urgency.NORMAL, "普通": Document.Urgency.NORMAL,
    "平件": Document.Urgency.NORMAL, "一般": Document.Urgency.NORMAL,
    "urgent": Document.Urgency.URGENT, "加急": Document.Urgency.URGENT,
    "very_urgent": Document.Urgency.VERY_URGENT, "特急": Document.Urgency.VERY_URGENT,
}


def parse_urgency(raw: str) -> str:
    value = URGENCY_ALIASES.get((raw or "").strip().lower())
    if value is None:
        raise bad_request("紧急程度只能是 normal（普通）、urgent（加急）或 very_urgent（特急）")
    return str(value)


CLASSIFIED_WORDS = ("秘密", "机密", "绝密")
CLASSIFIED_SECRECY = {"secret", "confidential", "top_secret", "top-secret", "topsecret",
                      "classified", *CLASSIFIED_WORDS}
# In a title or a body the words may be ordinary prose (保守国家秘密); a marking is the
# GB/T 9704 form 密级★期限, e.g. 机密★1年.
CLASSIFIED_MARKING_RE = re.compile(r"(秘密|机密|绝密)\s*[★☆*＊]")
CLASSIFIED_DETAIL = ("本系统为非涉密系统，不得用于处理涉密公文（秘密、机密、绝密）。"
                     "涉密公文请通过机要渠道传递。")
SECRECY_ALIASES = {"none": Document.Secrecy.NONE, "": Document.Secrecy.NONE,
                   "非密": Document.Secrecy.NONE, "无": Document.Secrecy.NONE,
                   "internal": Document.Secrecy.INTERNAL, "内部": Document.Secrecy.INTERNAL}


def check_not_classified(*, secrecy: str, marks: str, notes: str, title: str, body: str,
                         number: str) -> str:
    """The secrecy value to store, or 400 for anything classified: a classified secrecy,
    秘密/机密/绝密 anywhere in the marks, or a 密级★ marking in the text."""
    value = (secrecy or "").strip()
    if value.lower() in CLASSIFIED_SECRECY or any(w in value for w in CLASSIFIED_WORDS):
        raise bad_request(CLASSIFIED_DETAIL)
    if any(word in marks for word in CLASSIFIED_WORDS) or any(
            word in notes for word in CLASSIFIED_WORDS):
        raise bad_request(CLASSIFIED_DETAIL)
    for text in (title, body[:2000], number):
        if CLASSIFIED_MARKING_RE.search(text):
            raise bad_request(CLASSIFIED_DETAIL)
    stored = SECRECY_ALIASES.get(value.lower())
    if stored is None:
        raise bad_request("密级只能是 none（非密）或 internal（内部）")
    return str(stored)


def parse_deadline(raw: str | None, *, now: datetime) -> datetime | None:
    """An ISO 8601 time, or a date (meaning the end of that working day, 17:30 local)."""
    text = (raw or "").strip()
    if not text:
        return None
    value: datetime | None = None
    if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        try:
            value = parse_datetime(text.replace(" ", "T", 1))
        except ValueError:
            value = None
    if value is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise bad_request(f"办理期限“{text[:30]}”不是有效的日期或时间（例如 2026-12-01 或 "
                              "2026-12-01T17:30）")
        value = datetime.combine(day, time(17, 30))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    if value <= now:
        raise bad_request("办理期限必须晚于现在")
    if value > now + timedelta(days=3 * 366):
        raise bad_request("办理期限太远")
    return value


def parse_issued_on(raw: str | None, *, now: datetime) -> date:
    text = (raw or "").strip()
    if not text:
        return timezone.localtime(now).date()
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise bad_request(f"成文日期“{text[:30]}”不是有效的日期（例如 2026-11-24）")
    return day


def chinese_date(day: date) -> str:
    """成文日期 as GB/T 9704 writes it: full year, no zero padding (2012年7月1日)."""
    return f"{day.year}年{day.month}月{day.day}日"


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"

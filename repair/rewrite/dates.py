"""English dates left in Vietnamese text, and their Vietnamese form ("February 17" -> "ngày 17/2",
"last week" -> "tuần trước", "at 18:30" -> "lúc 18h30").

Dates are knowledge, not fluency: a small model cannot learn that "June 5" is "ngày 5/6" from a
few examples, but a rule gets it right every time. Matches are returned as alias matches of
type ``date`` so that proposals, entity protection and verification treat them like alias
variants. Month and weekday names come from the synthetic generator's tables (the same forms
it writes). Next to a capitalised Latin word or a common English word the phrase is part of a
name or of quoted English ("USA Today", "Sunday Mirror", "Hold me tonight") and stays: on 110k
clean corpus sentences the rules then match once ("“Monday”", a song title).
"""

from __future__ import annotations

import re

from repair.aliases import AliasMatch
from repair.text.tables import MONTHS, MONTHS_ABBR, RELATIVE_EN, WEEKDAYS

__all__ = ["find_dates"]

_MONTH_NUM = {m.lower().rstrip("."): i + 1 for i, m in enumerate(MONTHS)}
_MONTH_NUM.update({m.lower().rstrip("."): i + 1 for i, m in enumerate(MONTHS_ABBR)})
_MONTH_NUM.update({"sep": 9, "jun": 6, "jul": 7, "mar": 3, "apr": 4})
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTH_NUM), key=len, reverse=True))
_WEEKDAY_VI = {en.lower(): f"thứ {vi}" for vi, en in WEEKDAYS.items()} | {"sunday": "Chủ nhật"}
_WEEKDAY = "|".join(_WEEKDAY_VI)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_RE = re.compile(
    rf"(?<![\w-])(?P<on>[Oo]n\s+)?(?:"
    rf"(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}}){_ORD}(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<d2>\d{{1,2}}){_ORD}\s+(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<in>[Ii]n\s+)?(?P<m3>{_MONTH})\.?\s+(?P<y3>\d{{4}})"
    rf"|(?P<in4>[Ii]n\s+)?(?P<m4>{_MONTH})"
    rf"|(?P<wd>{_WEEKDAY})"
    rf")(?![\w-])",
    re.IGNORECASE,
)
_FULL_MONTHS = frozenset(MONTHS)
_RELATIVE_VI = {en: vi for vi, ens in RELATIVE_EN.items() for en in ens}
_RELATIVE_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, _RELATIVE_VI), key=len, reverse=True))
    + r")(?![\w-])", re.IGNORECASE)
_CLOCK_RE = re.compile(
    r"(?<!\w)(?P<at>[Aa]t\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?:\s*(?P<ampm>[ap])\.m\.)?(?!\w)")
_LATIN_CAP = re.compile(r"[A-Z][\w-]*")
_ENGLISH_CONTEXT = 5.0  # an English word this frequent next to it: an English phrase
# a word before the date that already says which part of a day it is: no "ngày" added
_DAY_WORDS = ("sáng", "trưa", "chiều", "tối", "đêm", "hôm", "ngày", "rạng sáng")


_WEEKDAY_WORDS = (*_DAY_WORDS, "vào", "từ", "đến", "tới", "các", "mỗi", "hằng", "hàng", "sang",
                  "trước", "sau", "là")


def _replacement(m: re.Match[str], before: str) -> str | None:
    g = m.groupdict()
    if g["wd"]:
        if not g["wd"][0].isupper():
            return None  # lowercase "monday" is not a date left by MT
        day = _WEEKDAY_VI[g["wd"].lower()]
        # "on Monday", or a bare weekday with no word saying when: "hôm thứ Hai", as news
        # writes a past weekday; after "vào", "sáng", "ngày", ... the weekday alone
        if g["on"] or not before.rstrip().lower().endswith(_WEEKDAY_WORDS):
            return f"hôm {day}"
        return day
    month_word = g["m1"] or g["m2"] or g["m3"] or g["m4"]
    if not month_word[0].isupper():
        return None  # "may" is an English modal more often than a month in lower case
    month = _MONTH_NUM[month_word.lower()]
    if g["m3"]:
        return f"tháng {month}/{g['y3']}"
    if g["m4"]:
        if month_word not in _FULL_MONTHS or month_word == "May":
            return None  # a bare "May" or "Jan" is too often the English word or a name
        return f"tháng {month}"
    day, year = int(g["d1"] or g["d2"]), g["y1"] or g["y2"]
    if not 1 <= day <= 31:
        return None
    core = f"{day}/{month}" + (f"/{year}" if year else "")
    if before.rstrip().lower().endswith(_DAY_WORDS):
        return core
    return f"ngày {core}"


def _in_name(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands next to a capitalised Latin word or a common English
    word ("USA Today", "Sunday Mirror", "June Byung-hun", "Hold me tonight"): part of a name or
    of English quoted as such, not a date left by translation."""
    from repair.text import english_zipf

    before = text[:start].rstrip().rsplit(None, 1)[-1:] or [""]
    after = text[end:].lstrip().split(None, 1)[:1] or [""]
    for w in (before[0].strip(".,;:!?\"'()“”"), after[0].strip(".,;:!?\"'()“”")):
        if w.lower() in ("on", "in", "at"):
            continue  # the date's own preposition
        english = w.lower() not in ("on", "in", "at") and \
            english_zipf(w.lower()) >= _ENGLISH_CONTEXT
        if w.isascii() and (_LATIN_CAP.fullmatch(w) or english):
            return True
    return False


def _clock(m: re.Match[str]) -> str | None:
    if not (m.group("at") and m.group("m")) and not m.group("ampm"):
        return None  # a bare number, or "18:00" as Vietnamese news also writes it
    h, mi = int(m.group("h")), m.group("m")
    if m.group("ampm") == "p" and h < 12:
        h += 12
    if h > 24 or (mi and int(mi) > 59):
        return None
    core = f"{h}h" + (mi if mi and mi != "00" else "")
    return f"lúc {core}" if m.group("at") else core


def _first(text: str, start: int) -> bool:
    return not text[:start].strip() or text[:start].rstrip()[-1] in ".!?:\"“"


def find_dates(text: str) -> list[AliasMatch]:
    """English dates, months, weekdays, times of day and relative days ("last week") in
    ``text`` with their Vietnamese form."""
    out = []
    for m in _RELATIVE_RE.finditer(text):
        first = _first(text, m.start())
        if _in_name(text, m.start(), m.end()) or (m.group()[0].isupper() and not first):
            continue  # "USA Today", the song "Yesterday": a name
        vi = _RELATIVE_VI[m.group().lower()]
        vi = vi[:1].upper() + vi[1:] if first else vi
        out.append(AliasMatch(m.start(), m.end(), m.group(), vi, "date", "rules:date"))
    for m in _CLOCK_RE.finditer(text):
        rep = _clock(m)
        if rep is not None:
            out.append(AliasMatch(m.start(), m.end(), m.group(), rep, "date", "rules:date"))
    for m in _DATE_RE.finditer(text):
        if any(m.start() < o.end and o.start < m.end() for o in out):
            continue
        rep = _replacement(m, text[: m.start()])
        # "Singh on Monday": a name before "on" does not make the weekday part of it
        start = m.start("wd") if m.group("wd") and m.group("on") else m.start()
        if rep is None or ((m.group("m4") or m.group("wd")) and _in_name(text, start, m.end())):
            continue
        if m.group("wd") and _first(text, m.start()):
            rep = rep[:1].upper() + rep[1:]  # the sentence's first word
        if m.group("m1") and m.group("m1").lower() == "may" and not m.group("y1") \
                and not m.group("on"):
            continue  # "May 5" without "on" or a year is too often "may" + a number
        out.append(AliasMatch(m.start(), m.end(), m.group(), rep, "date", "rules:date"))
    return sorted(out, key=lambda a: a.start)

"""English dates left in Vietnamese text, and their Vietnamese form ("February 17" -> "ngày 17/2").

Dates are knowledge, not fluency: a small model cannot learn that "June 5" is "ngày 5/6" from a
few examples, but a rule gets it right every time. Matches are returned as alias matches of
type ``date`` so that proposals, entity protection and verification treat them like alias
variants. Month and weekday names come from the synthetic generator's tables (the same forms
it writes).
"""

from __future__ import annotations

import re

from repair.aliases import AliasMatch
from repair.synth.tables import MONTHS, MONTHS_ABBR, WEEKDAYS

__all__ = ["find_dates"]

_MONTH_NUM = {m.lower().rstrip("."): i + 1 for i, m in enumerate(MONTHS)}
_MONTH_NUM.update({m.lower().rstrip("."): i + 1 for i, m in enumerate(MONTHS_ABBR)})
_MONTH_NUM.update({"sep": 9, "jun": 6, "jul": 7, "mar": 3, "apr": 4})
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTH_NUM), key=len, reverse=True))
_WEEKDAY_VI = {en.lower(): f"thứ {vi}" for vi, en in WEEKDAYS.items()} | {"sunday": "Chủ nhật"}
_WEEKDAY = "|".join(_WEEKDAY_VI)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_RE = re.compile(
    rf"(?<!\w)(?P<on>[Oo]n\s+)?(?:"
    rf"(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}}){_ORD}(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<d2>\d{{1,2}}){_ORD}\s+(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<in>[Ii]n\s+)?(?P<m3>{_MONTH})\.?\s+(?P<y3>\d{{4}})"
    rf"|(?P<wd>{_WEEKDAY})"
    rf")(?!\w)",
    re.IGNORECASE,
)
# a word before the date that already says which part of a day it is: no "ngày" added
_DAY_WORDS = ("sáng", "trưa", "chiều", "tối", "đêm", "hôm", "ngày", "rạng sáng")


def _replacement(m: re.Match[str], before: str) -> str | None:
    g = m.groupdict()
    if g["wd"]:
        if not g["wd"][0].isupper():
            return None  # lowercase "monday" is not a date left by MT
        return _WEEKDAY_VI[g["wd"].lower()]
    month_word = g["m1"] or g["m2"] or g["m3"]
    if not month_word[0].isupper():
        return None  # "may" is an English modal more often than a month in lower case
    month = _MONTH_NUM[month_word.lower()]
    if g["m3"]:
        return f"tháng {month}/{g['y3']}"
    day, year = int(g["d1"] or g["d2"]), g["y1"] or g["y2"]
    if not 1 <= day <= 31:
        return None
    core = f"{day}/{month}" + (f"/{year}" if year else "")
    if before.rstrip().lower().endswith(_DAY_WORDS):
        return core
    return f"ngày {core}"


def find_dates(text: str) -> list[AliasMatch]:
    """English dates, months and weekdays in ``text`` with their Vietnamese form."""
    out = []
    for m in _DATE_RE.finditer(text):
        rep = _replacement(m, text[: m.start()])
        if rep is None:
            continue
        if m.group("m1") and m.group("m1").lower() == "may" and not m.group("y1") \
                and not m.group("on"):
            continue  # "May 5" without "on" or a year is too often "may" + a number
        out.append(AliasMatch(m.start(), m.end(), m.group(), rep, "date", "rules:date"))
    return out

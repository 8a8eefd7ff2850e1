"""The ``date`` family: a Vietnamese date rendered in English ("ngày 17/2" -> "February 17")."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, match_case, phrase_regex
from repair.text.tables import MONTHS, MONTHS_ABBR, RELATIVE_EN, WEEKDAYS

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


_DATE_NUM = re.compile(
    r"(?<!\w)(?:(?:vào )?(ngày|hôm|sáng|chiều|tối|trưa|đêm) )?"
    r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?![\w/-])",
    re.IGNORECASE,
)


_DATE_WORD = re.compile(
    r"(?<!\w)(?:vào )?ngày (\d{1,2}) tháng (\d{1,2})(?: năm (\d{4}))?(?!\w)", re.IGNORECASE
)


_MONTH_YEAR = re.compile(
    r"(?<!\w)tháng (\d{1,2})(?: năm (\d{4})|/(\d{4}))?(?!\w)", re.IGNORECASE
)


_RELATIVE = phrase_regex(RELATIVE_EN)


_CLOCK = re.compile(r"(?<!\w)(?:lúc )?(\d{1,2})h(?:(\d{2}))?(?!\w)")


_WEEKDAY = re.compile(
    r"(?<!\w)(?:thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ [Nn]hật)(?!\w)", re.IGNORECASE
)


def _fmt_date(syn: Sources, d: int, mo: int, y: str | None, on: bool,
              rng: random.Random) -> str:
    month = MONTHS[mo - 1]
    forms = [f"{month} {d}", f"{MONTHS_ABBR[mo - 1]} {d}", f"{d} {month}", f"{month} {d}"]
    core = rng.choice(forms)
    if y:
        core = f"{core}, {y}" if core[0].isalpha() else f"{core} {y}"
    if on or rng.random() < 0.25:
        core = "on " + core
    return core


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    text, out = ctx.text, []
    if (
        not any(ch.isdigit() for ch in text)
        and "thứ" not in text.lower()
        and "chủ nhật" not in text.lower()
    ):
        return out
    taken: list[tuple[int, int]] = []
    for m in _DATE_WORD.finditer(text):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12:
            on = m.group().lower().startswith("vào")
            out.append((m.start(), m.end(), _fmt_date(syn, d, mo, m.group(3), on, rng), "date"))
            taken.append(m.span())
    for m in _DATE_NUM.finditer(text):
        d, mo = int(m.group(2)), int(m.group(3))
        if not (1 <= d <= 31 and 1 <= mo <= 12) or not (m.group(1) or m.group(4)):
            continue
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        pre = (m.group(1) or "").lower()
        start = m.start()
        if (
            pre and pre != "ngày" and pre != "hôm"
        ):  # keep "sáng"/"chiều": replace only the number
            start = m.start(2)
        out.append(
            (
                start,
                m.end(),
                _fmt_date(syn, d, mo, m.group(4), m.group().lower().startswith("vào"), rng),
                "date",
            )
        )
        taken.append(m.span())
    for m in _MONTH_YEAR.finditer(text):
        mo = int(m.group(1))
        if not 1 <= mo <= 12 or any(a < m.end() and m.start() < b for a, b in taken):
            continue
        y = m.group(2) or m.group(3)
        if not y and rng.random() < 0.5:
            continue
        rep = MONTHS[mo - 1] + (f" {y}" if y else "")
        if rng.random() < 0.3:
            rep = "in " + rep
        out.append((m.start(), m.end(), rep, "date"))
    for m in _RELATIVE.finditer(text):
        found = m.group()
        rep = RELATIVE_EN[found.lower()]
        out.append((m.start(), m.end(), match_case(found, rng.choice(rep)), "date"))
    for m in _CLOCK.finditer(text):
        h, mi = int(m.group(1)), m.group(2)
        if h > 24:
            continue
        hh = h % 12 or 12
        ampm = "a.m." if h < 12 else "p.m."
        forms = (f"{h:02d}:{mi or '00'}", f"{hh}{':' + mi if mi else ''} {ampm}")
        rep = rng.choice(forms)
        out.append(
            (m.start(), m.end(), ("at " + rep) if m.group().startswith("lúc") else rep, "date")
        )
    for m in _WEEKDAY.finditer(text):
        g = m.group(1)
        if g is not None and not m.group()[4:5].isupper():
            continue  # "thứ hai" lowercase is usually "second"
        day = WEEKDAYS[g.capitalize()] if g else "Sunday"
        out.append((m.start(), m.end(), rng.choice((day, day, "on " + day)), "date"))
    return out

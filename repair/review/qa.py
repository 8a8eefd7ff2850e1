"""The QA gate: checks a proposal or a reviewer's edit must pass before it is accepted.

Numbers, dates and quotations of the machine text must survive; no known alias variant may
be left, and every canonical name that the machine text's variants stand for must be present;
the text must be NFC. A failing text can still be accepted with an explicit override, which
the queue records; the issues are always shown to the reviewer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from repair.aliases import AliasTable
from repair.text import fold_key, nfc

__all__ = ["QAIssue", "QAReport", "check"]

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_DATE_RES = (
    # 17/2, 17/2/2018, 17-2-2018
    re.compile(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b"),
    # ngày 17 tháng 2 (năm 2018)
    re.compile(r"(?i)\b(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?"),
    # February 17(, 2018)
    re.compile(rf"(?i)\b(?P<month>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?\b"),
    # 17 February (2018)
    re.compile(rf"(?i)\b(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_RE})\.?(?:\s+(?P<year>\d{{4}}))?\b"),
)
_QUOTES = {"“": "open", "”": "close", "«": "open", "»": "close", '"': "straight"}


@dataclass(frozen=True)
class QAIssue:
    code: str  # numbers, dates, quotes, alias_left, canonical_missing, nfc
    message: str


@dataclass(frozen=True)
class QAReport:
    issues: tuple[QAIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(i.message for i in self.issues)


def _dates(text: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for i, pattern in enumerate(_DATE_RES):
        for m in pattern.finditer(text):
            if i < 2:
                day, month = int(m.group(1)), int(m.group(2))
            else:
                day, month = int(m.group("day")), _MONTHS[m.group("month").lower()]
            if 1 <= day <= 31 and 1 <= month <= 12:
                out.add((day, month))
    return out


def _numbers(text: str) -> Counter:
    return Counter(m.group(0) for m in _NUMBER_RE.finditer(text))


def _month_numbers(text: str) -> set[str]:
    """Numbers a correct repair may add: months written in English words in the source."""
    found = re.findall(rf"(?i)\b({_MONTH_RE})\b", text)
    return {str(_MONTHS[m.lower()]) for m in found}


def _quote_count(text: str) -> int:
    return sum(1 for c in text if c in _QUOTES)


def check(source: str, target: str, aliases: AliasTable | None = None) -> QAReport:
    """Check ``target`` (a proposal or an edit) against the machine text ``source``."""
    issues: list[QAIssue] = []
    if target != nfc(target):
        issues.append(QAIssue("nfc", "text is not Unicode NFC"))
    target_n, source_n = nfc(target), nfc(source)
    src_nums, tgt_nums = _numbers(source_n), _numbers(target_n)
    missing = src_nums - tgt_nums
    extra = {n for n in (tgt_nums - src_nums) if n not in _month_numbers(source_n)}
    if missing:
        issues.append(QAIssue("numbers", f"numbers lost: {', '.join(sorted(missing))}"))
    if extra:
        issues.append(QAIssue("numbers", f"numbers added: {', '.join(sorted(extra))}"))
    lost_dates = _dates(source_n) - _dates(target_n)
    if lost_dates:
        shown = ", ".join(f"{d}/{m}" for d, m in sorted(lost_dates))
        issues.append(QAIssue("dates", f"dates lost: {shown}"))
    if _quote_count(source_n) != _quote_count(target_n):
        issues.append(
            QAIssue(
                "quotes",
                f"quotation marks changed ({_quote_count(source_n)} -> "
                f"{_quote_count(target_n)})",
            )
        )
    if aliases is not None and len(aliases):
        left = aliases.find(target_n)
        if left:
            shown = ", ".join(f"{m.text!r} (-> {m.canonical})" for m in left)
            issues.append(QAIssue("alias_left", f"known variant left: {shown}"))
        folded = fold_key(target_n)
        needed = {m.canonical for m in aliases.find(source_n)}
        absent = sorted(c for c in needed if fold_key(c) not in folded)
        if absent:
            issues.append(
                QAIssue("canonical_missing", f"canonical name missing: {', '.join(absent)}")
            )
    return QAReport(tuple(issues))

"""Transparent detection rules: each rule yields spans with a category and a weight.

They are the whole detector when no trained model is configured, and the explanation layer
and strong-evidence prior of the trained detector.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from repair.aliases import AliasTable, calque_rows
from repair.detect.base import DEFAULT_WEIGHTS, NAME_CATEGORIES, DetectSettings, Span
from repair.detect.tokens import token_kind
from repair.errors import ConfigError
from repair.names import NamesSettings
from repair.text import english_zipf, fold_key, nfc, tokens

__all__ = ["RuleDetector"]


# --------------------------------------------------------------------------- lexical resources

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE_RE = re.compile(
    rf"\b(?:(?:on\s+)?(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?"
    rf"|(?:on\s+)?(?:{_WEEKDAYS})\b"
    rf"|(?:January|February|March|April|June|July|August|September|October|November|December)\b)"
)

# --------------------------------------------------------------------------- rules


_CONNECTORS = {"và", "lẫn"}
# Evidence from foreign-looking names counts once: clean news is full of real foreign names.
# (the name categories the rules emit themselves; the model's calque_name and the name rules'
# own "name" spans are weighed on their own)
_FOREIGN_NAMES = NAME_CATEGORIES - {"calque_name", "name"}
_FUNCTION_WORDS = {"và", "của", "các", "những", "là", "được", "đã", "sẽ", "trong", "với", "cho"}


_DUP_TOKEN_RE = re.compile(r"[^\W_]+|[,:;()\"“”]")


def _duplicates(text: str) -> Iterator[Span]:
    toks = [(m.start(), m.end(), m.group(0)) for m in _DUP_TOKEN_RE.finditer(text)]
    words = [t[2].lower() for t in toks]
    n = len(words)
    i = 0
    while i < n:
        found = None
        w0 = words[i]
        for k in (4, 3, 2, 1):
            j = i + k
            # cheap first test: the phrase's first word must come back right after it
            direct = j < n and words[j] == w0
            linked = j + 1 < n and words[j + 1] == w0 and words[j] in _CONNECTORS
            if not (direct or linked):
                continue
            a = words[i:j]
            if len(a) < k or not all(w.isalpha() for w in a):
                continue
            # "X và X", "X lẫn X"; one syllable is too short: "song phương và phương hướng"
            if linked and k >= 2 and words[j + 1 : j + 1 + k] == a:
                found = (i, j + k)
                break
            # "X X" with no connector: only phrases of 2+ words, or repeated function words
            # (single-syllable reduplication such as "từ từ" is ordinary Vietnamese)
            if direct and words[j : j + k] == a and (k >= 2 or w0 in _FUNCTION_WORDS):
                found = (i, j + k - 1)
                break
        if found:
            s, e = toks[found[0]][0], toks[found[1]][1]
            yield Span(s, e, "duplicate", text[s:e])
            i = found[1] + 1
        else:
            i += 1


_GIUA_RE = re.compile(r"\bgiữa((?:\s+[A-ZĐÂĂÊÔƠƯ][^\s,.;:!?]*){1,4})\s*(?=[.,;:!?]|$)")


def _dangling_giua(text: str) -> Iterator[Span]:
    """ "giữa" needs two parties; "giữa Nhật Bản." is a calqued 之间 with one."""
    for m in _GIUA_RE.finditer(text):
        yield Span(m.start(), m.end(), "grammar", text[m.start() : m.end()])


def _foreign_tokens(text: str, skip: list[tuple[int, int]]) -> Iterator[tuple[Span, str]]:
    runs: list[list[tuple[int, int, str, str]]] = []
    prev_end = -10
    for m in tokens(text):
        if skip and any(a <= m.start() < b for a, b in skip):
            continue
        kind = token_kind(m.group(0))
        if kind in ("vi", "number", "acronym", "other_ok"):
            continue
        item = (m.start(), m.end(), m.group(0), kind)
        if runs and text[prev_end : m.start()].strip() == "":
            runs[-1].append(item)
        else:
            runs.append([item])
        prev_end = m.end()
    for run in runs:
        kinds = {k for *_, k in run}
        s, e = run[0][0], run[-1][1]
        capitalised = all(t[0].isupper() for _, _, t, _ in run)
        if kinds == {"romaji"} or (
            capitalised and kinds <= {"romaji", "pinyin"} and "romaji" in kinds
        ):
            continue  # a correctly romanised Japanese name: "Itsunori Onodera", "Kisarazu"
        if kinds == {"pinyin"}:
            category = "pinyin"
        elif (
            "english" in kinds
            and not capitalised
            and any(english_zipf(tok.lower()) >= 4.0 for _, _, tok, _ in run)
        ):
            category = "english"  # a common lower-case English word inside Vietnamese text
        elif "english" in kinds:
            category = "english_name"
        else:
            category = "foreign"
        yield Span(s, e, category, text[s:e]), category


@functools.lru_cache(maxsize=8)
def _load_calques(paths: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    phrases: dict[str, str] = {}
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise ConfigError("calque list not found; set detect.calques in the config", p)
        for _, cols in calque_rows(p):
            phrases.setdefault(nfc(cols[0].strip()), cols[1].strip() if len(cols) > 1 else "")
    if not phrases:
        return None, {}
    # Case-sensitive: "Đảng của ông" (his Party) is fine where "đảng của ông" is a calque.
    forms = {fold_key(k) for k in phrases}
    alt = "|".join(re.escape(k) for k in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)"), phrases


class RuleDetector:
    """The transparent rule detector (v1). Also the span explainer of the trained detector."""

    def __init__(self, settings: DetectSettings, aliases: AliasTable,
                 names: NamesSettings | None = None):
        """``names``: the name tables the slot rules read (the pipeline's ``names`` settings;
        their defaults when None)."""
        self.settings = settings
        self.aliases = aliases
        self.calque_re, self.calques = _load_calques((settings.calques, *settings.learned))
        from repair.detect.templates import load_templates

        self.templates = [load_templates(str(p)) for p in settings.templates]
        unknown = set(settings.weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ConfigError(f"unknown detector weight(s) {sorted(unknown)}")
        self.weights = {**DEFAULT_WEIGHTS, **settings.weights}
        self.names = None
        self.slots = None
        if settings.name_stats:
            from repair import project_path
            from repair.detect.names import NameEvidence, load_name_stats
            from repair.detect.slots import SlotEvidence

            stats = load_name_stats(project_path(settings.name_stats))
            self.names = NameEvidence(stats)
            self.slots = SlotEvidence(stats, names=names)

    def spans(self, text: str) -> list[Span]:
        """All rule evidence in ``text``, with weights."""
        w = self.weights
        out: list[Span] = []
        for m in self.aliases.find(text):
            out.append(Span(m.start, m.end, "alias", m.text, w["alias"]))
        for m in _DATE_RE.finditer(text):
            out.append(Span(m.start(), m.end(), "date", m.group(0), w["date"]))
        # words already explained (alias variants, dates) or known-correct (canonical names)
        covered = [(s.start, s.end) for s in out] + self.aliases.find_canonicals(text)
        for span, cat in _foreign_tokens(text, covered):
            out.append(Span(span.start, span.end, cat, span.text, w[cat]))
        for s in _duplicates(text):
            out.append(Span(s.start, s.end, s.category, s.text, w["duplicate"]))
        for s in _dangling_giua(text):
            out.append(Span(s.start, s.end, s.category, s.text, w["grammar"]))
        if self.calque_re is not None:
            for m in self.calque_re.finditer(fold_key(text)):
                out.append(
                    Span(m.start(), m.end(), "calque", text[m.start() : m.end()], w["calque"])
                )
        for tpl in self.templates:  # edits reviewers taught, over slots (learned templates)
            out.extend(tpl.spans(text))
        if self.names is not None:  # names an alias or date already explains need no more
            assert self.slots is not None
            out.extend(
                s for s in (*self.names.spans(text), *self.slots.spans(text))
                if not any(a < s.end and s.start < b for a, b in covered)
            )
        return sorted(out, key=lambda s: (s.start, -s.end))

    def correct_ranges(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` has the reviewers' side of a learned template (right as it is)."""
        return [r for tpl in self.templates for r in tpl.correct_ranges(text)]

    def score(self, spans: Iterable[Span]) -> float:
        """Noisy-or over categories of each category's strongest span, so that many weak
        hints of one kind (three foreign names) do not add up to a flag."""
        best: dict[str, float] = {}
        for s in spans:
            group = "name" if s.category in _FOREIGN_NAMES else s.category
            best[group] = max(best.get(group, 0.0), s.weight)
        keep = 1.0
        for w in best.values():
            keep *= 1.0 - w
        return 1.0 - keep

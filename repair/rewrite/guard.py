"""Guard on generated rewrites: reject degenerate output before it becomes a proposal.

Never trust raw model output: a rewrite is rejected when it repeats word n-grams the input does
not repeat ("được được được"), when its length is far from the input's, when it changes more
than a bound, or when it loses a number or a quotation mark of the input.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["GuardLimits", "check_rewrite", "span_problem", "GUARD_REASONS", "SPAN_CONTEXT"]

GUARD_REASONS = ("repetition", "length", "edit_ratio", "number", "quote", "empty", "markup",
                 "copied", "placeholders")
SPAN_CONTEXT = 4  # words each side a span repair is checked against

_NUM_RE = re.compile(r"\d+")
_WORD_RE = re.compile(r"\w+")
_MARKUP_RE = re.compile(r"</?sp>|<c_\w+>")  # the window's own markers, never text
_PH_RE = re.compile(r"<ent\d+>")
_QUOTES = "\"'“”‘’«»"


@dataclass(frozen=True)
class GuardLimits:
    min_length_ratio: float = 0.6
    max_length_ratio: float = 1.5
    max_edit_ratio: float = 0.5
    max_ngram: int = 4


def _repeats(words: list[str], max_n: int) -> Counter:
    """Immediately repeated word n-grams (``w w``, ``a b a b``) and their counts."""
    out: Counter = Counter()
    for n in range(1, max_n + 1):
        for i in range(len(words) - 2 * n + 1):
            if words[i : i + n] == words[i + n : i + 2 * n]:
                out[tuple(words[i : i + n])] += 1
    return out


def check_rewrite(source: str, output: str, ratio: float, limits: GuardLimits) -> str | None:
    """The reason to reject ``output`` as a rewrite of ``source`` (None = accept).

    ``ratio`` is the edit ratio between the two (see :func:`repair.rewrite.edit_ratio`).
    """
    if not output.strip():
        return "empty"
    src_words, out_words = _WORD_RE.findall(source.lower()), _WORD_RE.findall(output.lower())
    rep_in = _repeats(src_words, limits.max_ngram)
    for gram, n in _repeats(out_words, limits.max_ngram).items():
        if n > rep_in.get(gram, 0):
            return "repetition"
    lr = len(output) / max(1, len(source))
    if not limits.min_length_ratio <= lr <= limits.max_length_ratio:
        return "length"
    if ratio > limits.max_edit_ratio:
        return "edit_ratio"
    if Counter(_NUM_RE.findall(source)) - Counter(_NUM_RE.findall(output)):
        return "number"
    if Counter(c for c in source if c in _QUOTES) != Counter(c for c in output if c in _QUOTES):
        return "quote"
    return None


def _bigrams(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:], strict=False))


def span_problem(span: str, repair: str, left: str = "", right: str = "",
                 max_growth: float = 2.5) -> str:
    """Why ``repair`` cannot replace the flagged ``span`` between ``left`` and ``right``
    ("" = it can): empty, the window's markers, placeholders not kept, repeated words the
    text did not repeat, words copied in from the context, far longer, or a number or
    quotation mark lost."""
    if not repair.strip():
        return "empty"
    if _MARKUP_RE.search(repair) and not _MARKUP_RE.search(span):
        return "markup"
    if sorted(_PH_RE.findall(span)) != sorted(_PH_RE.findall(repair)):
        return "placeholders"
    lw = _WORD_RE.findall(left.lower())[-SPAN_CONTEXT:]
    rw = _WORD_RE.findall(right.lower())[:SPAN_CONTEXT]
    src_words, out_words = _WORD_RE.findall(span.lower()), _WORD_RE.findall(repair.lower())
    rep_in = _repeats(lw + src_words + rw, 4)
    if any(n > rep_in.get(g, 0) for g, n in _repeats(lw + out_words + rw, 4).items()):
        return "repetition"
    # A repair that brings in a word pair the span lacks but its neighbours have is the
    # model continuing into the context ("chất <vấn> về vấn đề" -> "vấn về"), not a repair.
    if (_bigrams(out_words) - _bigrams(src_words)) & (_bigrams(lw) | _bigrams(rw)):
        return "copied"
    if len(repair) > max_growth * len(span) + 8:
        return "length"
    if Counter(_NUM_RE.findall(span)) - Counter(_NUM_RE.findall(repair)):
        return "number"
    if Counter(c for c in span if c in _QUOTES) != Counter(c for c in repair if c in _QUOTES):
        return "quote"
    return ""

"""Guard on generated rewrites: reject degenerate output before it becomes a proposal.

Never trust raw model output: a rewrite is rejected when it repeats word n-grams the input does
not repeat ("được được được"), when its length is far from the input's, when it changes more
than a bound, or when it loses a number or a quotation mark of the input.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass

__all__ = ["GuardLimits", "check_rewrite", "span_problem", "deletion_problem", "GUARD_REASONS",
           "SPAN_CONTEXT", "vi_compounds"]

GUARD_REASONS = ("repetition", "length", "edit_ratio", "number", "quote", "empty", "markup",
                 "copied", "placeholders", "meaning")
VI_WORDS = "../shared/data/lexicon/vi_words.txt"  # dictionary headwords, one a line
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


@functools.lru_cache(maxsize=1)
def vi_compounds() -> frozenset[str]:
    """Two-syllable Vietnamese dictionary words, lowercase (empty without the word list)."""
    from repair import project_path

    p = project_path(VI_WORDS)
    if not p.exists():
        return frozenset()
    with p.open(encoding="utf-8") as fh:
        return frozenset(w for w in (line.strip().lower() for line in fh) if w.count(" ") == 1)


def _deleted(src: list[str], out: list[str]) -> list[int] | None:
    """Indices of ``src`` words that ``out`` drops, when ``out`` is ``src`` less some words
    (None otherwise)."""
    gone, j = [], 0
    for i, w in enumerate(src):
        if j < len(out) and out[j] == w:
            j += 1
        else:
            gone.append(i)
    return gone if j == len(out) and gone else None


_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_CONNECTORS = frozenset({"và", "lẫn", ",", "hay", "hoặc"})


def _inside_quotes(left: str, right: str) -> bool:
    """The span sits inside a quotation: a quote opened in ``left`` and closed in ``right``."""
    straight = left.count('"') % 2 == 1 and '"' in right
    curly = left.rfind("“") > left.rfind("”") and "”" in right
    return straight or curly


def _copies(run: list[str], words: list[str]) -> tuple[list[str], int] | None:
    """The phrase ``run`` is made of (copies of it joined by connectors: "và X", ", X và X")
    and how often that phrase occurs in ``words``; None when ``run`` is not such a phrase."""
    body = run[1:] if run[0] in _CONNECTORS else run
    for n in range(1, len(body) + 1):
        phrase = body[:n]
        parts, k = [], 0
        while k < len(body):
            if body[k : k + n] == phrase:
                parts.append(1)
                k += n
            elif body[k] in _CONNECTORS:
                k += 1
            else:
                break
        if k >= len(body) and parts:
            count = sum(words[i : i + n] == phrase for i in range(len(words)))
            return phrase, count
    return None


def deletion_problem(left: str, span: str, repair: str, right: str,
                     compounds: Set[str] = frozenset()) -> str:
    """"meaning" when ``repair`` only deletes words of ``span`` and a deleted word carries
    meaning ("" otherwise). A repetition is deleted only as an exact doubled phrase with
    nothing between, or as a common-noun "X và X" / "X lẫn X" (the duplicate family); never
    half of a name's "X và X" (a mistranslated "Việt Nam và X") nor a repeated phrase of a
    list or figure ("X, X và X"). Nothing inside a quotation is deleted, a one-letter word
    (a list label, "điểm i") is kept, and so is a word that makes a dictionary word with a
    neighbour that stays ("cam go")."""
    lt, st, rt = (_TOKEN_RE.findall(x) for x in (left, span, right))
    cased = lt + st + rt
    words = [w.lower() for w in cased]
    gone = _deleted([w.lower() for w in st], [w.lower() for w in _TOKEN_RE.findall(repair)])
    if gone is None or all(not words[len(lt) + i][0].isalnum() for i in gone):
        return ""
    if _inside_quotes(left, right):
        return "meaning"
    idx = [len(lt) + i for i in gone]
    a, b = idx[0], idx[-1] + 1
    if idx == list(range(a, b)):  # one contiguous phrase
        run, n = words[a:b], b - a
        if words[a - n : a] == run or words[b : b + n] == run:
            return ""  # an exact doubled phrase, nothing between: the artifact
        copies = _copies(run, words)
        if copies is not None and copies[1] > 1:
            phrase, count = copies
            first = next(i for i in range(a, b) if words[i] == phrase[0])
            if count > 2 or cased[first][:1].isupper() or "," in run:
                return "meaning"  # a list or figure, or a name's "X và X"
            return ""  # a common noun's "X và X": the duplicate family
    kept = set(range(len(words))) - set(idx)
    for i in idx:
        w = words[i]
        if len(w) == 1 and w.isalpha():
            return "meaning"
        if (i - 1 in kept and f"{words[i - 1]} {w}" in compounds) or (
                i + 1 in kept and f"{w} {words[i + 1]}" in compounds):
            return "meaning"
    return ""

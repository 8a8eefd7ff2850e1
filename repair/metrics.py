"""The measures, as leaves (as sacrebleu's ``metrics/``): chrF++, ROC-AUC, exact span repairs,
word edit distance. Every stage that measures (review, train, eval) imports them from here;
nothing here imports a stage. (Post-editing effort, HTER with block shifts, is the review
stage's ``repair.review.diff.hter``: it needs the phrase alignment.)"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["WORD_RE", "chrf", "exact_rate", "levenshtein", "roc_auc", "span_hits",
           "word_edit_distance", "words"]

WORD_RE = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*|[^\w\s]|_")


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF++ (sacrebleu ``CHRF(word_order=2)``: character n-grams plus word bigrams),
    0..100."""
    from sacrebleu.metrics import CHRF

    if not hypotheses:
        return float("nan")
    return CHRF(word_order=2).corpus_score(list(hypotheses), [list(references)]).score


def roc_auc(scores_pos: Sequence[float], scores_neg: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U; ties count one half)."""
    if not scores_pos or not scores_neg:
        return float("nan")
    wins = 0.0
    for p in scores_pos:
        for n in scores_neg:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(scores_pos) * len(scores_neg))


def span_hits(examples: Sequence[Any], outputs: Sequence[str],
              keep_key: Callable[[Any], str] = lambda e: "keep",
              ) -> tuple[Counter, Counter]:
    """(hits, totals) of span repairs equal to their targets, per category (examples of kind
    ``repair``) and per ``keep_key`` (the others). An example has ``kind``, ``category`` and
    ``target`` (``repair.train.rewriter_data.SpanExample``)."""
    hits: Counter = Counter()
    totals: Counter = Counter()
    for e, out in zip(examples, outputs, strict=True):
        key = e.category if e.kind == "repair" else keep_key(e)
        totals[key] += 1
        hits[key] += out.strip() == e.target.strip()
    return hits, totals


def exact_rate(hits: Counter, totals: Counter) -> float:
    """The share of repair examples (not keep ones) repaired exactly."""
    rep = sum(v for k, v in totals.items() if not k.startswith("keep"))
    return sum(v for k, v in hits.items() if not k.startswith("keep")) / max(1, rep)


def words(text: str) -> list[str]:
    """The word tokens of ``text``: runs of letters and digits; each punctuation mark is a word
    of its own; whitespace is not a word."""
    return WORD_RE.findall(text)


def levenshtein(x: Sequence[str], y: Sequence[str]) -> int:
    """Edit distance between two token sequences (insertions, deletions, substitutions)."""
    prev = list(range(len(y) + 1))
    for i, p in enumerate(x, start=1):
        cur = [i]
        for j, q in enumerate(y, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (p != q)))
        prev = cur
    return prev[-1]


def word_edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over words (insertions, deletions, substitutions)."""
    return levenshtein(words(a), words(b))

"""How often a phrase occurs as written in clean news: the evidence of the alias-table check.

A context-free alias variant rewrites every occurrence of itself. Whether that harms ordinary
text is a question about the variant as written, not about its syllables: "I-rắc" (Iraq) and
"ra-đa" (radar) are rare as whole words although "ra" and "đa" are everyday syllables, while
"thành phố" (city) is an everyday phrase. So the check counts the variant's occurrences in the
project's clean corpus the way the alias matcher sees text: NFC, tone placement normalised
(``fold_key``), case kept, a hyphenated word one token, words joined by one space.

The counts are prepared once (``repair train alias-counts``) and shipped under
``models/aliases/``: only n-grams of 1-4 tokens whose count reaches the floor are stored (an
n-gram can only reach it if its (n-1)-grams do, so each length is counted in one pass over
the corpus, keeping memory small), and the file is read lazily, the first time a table has a
context-free variant to judge.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from repair.errors import ModelError
from repair.text import fold_key, nfc

__all__ = ["MAX_N", "PHRASE_COUNTS", "PhraseCounts", "count_ngrams", "load_phrase_counts",
           "news_count", "phrase_tokens", "save_phrase_counts", "write_counts_card"]

PHRASE_COUNTS = "models/aliases/phrase_counts.tsv.gz"  # `repair train alias-counts`

log = logging.getLogger(__name__)

MAX_N = 4
# a word with its hyphenated parts ("ra-đi-ô", "Mát-xcơ-va"), digits and letters alike
_TOKEN = re.compile(r"\w+(?:-\w+)*")


def _runs(text: str) -> list[list[str]]:
    """Runs of tokens joined by exactly one space (what a multi-word variant can match)."""
    runs: list[list[str]] = []
    end = -1
    for m in _TOKEN.finditer(text):
        if runs and m.start() == end + 1 and text[end] == " ":
            runs[-1].append(m.group(0))
        else:
            runs.append([m.group(0)])
        end = m.end()
    return runs


def phrase_tokens(phrase: str) -> tuple[str, ...] | None:
    """The tokens of ``phrase`` as the counts key them, or None if the phrase is not a plain
    run of words (punctuation inside, several spaces): its count is then not known."""
    key = fold_key(nfc(phrase.strip()))
    runs = _runs(key)
    if len(runs) != 1 or " ".join(runs[0]) != key:
        return None
    return tuple(runs[0])


def count_ngrams(sentences: Sequence[str], floor: int,
                 max_n: int = MAX_N) -> tuple[dict[tuple[str, ...], int], int]:
    """Every n-gram (1..``max_n`` tokens) of ``sentences`` that occurs at least ``floor``
    times, with its count, and the number of tokens. One pass over the sentences per length;
    an n-gram is counted only where both its (n-1)-grams reached the floor."""
    kept: dict[tuple[str, ...], int] = {}
    frequent: set[tuple[str, ...]] = set()
    words = 0
    for n in range(1, max_n + 1):
        c: Counter = Counter()
        for s in sentences:
            for run in _runs(fold_key(nfc(s))):
                if n == 1:
                    words += len(run)
                for i in range(len(run) - n + 1):
                    g = tuple(run[i : i + n])
                    if n == 1 or (g[:-1] in frequent and g[1:] in frequent):
                        c[g] += 1
        frequent = {g for g, k in c.items() if k >= floor}
        kept.update((g, c[g]) for g in frequent)
        log.info("%d-grams: %d distinct counted, %d at least %d", n, len(c), len(frequent), floor)
        del c
    return kept, words


@dataclass(frozen=True)
class PhraseCounts:
    """Counts of the frequent n-grams of a corpus (those at or above ``floor``)."""

    counts: dict[tuple[str, ...], int]
    floor: int
    words: int  # tokens in the corpus
    sentences: int
    source: str

    def count(self, phrase: str) -> tuple[int | None, bool]:
        """(count, exact) of ``phrase`` as written: the count when it reaches ``floor`` (0
        below it), None when the phrase is not a plain run of words. For more than
        ``MAX_N`` words the count is the smallest of its ``MAX_N``-word windows, an upper
        bound (``exact`` False)."""
        toks = phrase_tokens(phrase)
        if toks is None:
            return None, False
        if len(toks) <= MAX_N:
            return self.counts.get(toks, 0), True
        windows = (toks[i : i + MAX_N] for i in range(len(toks) - MAX_N + 1))
        return min(self.counts.get(w, 0) for w in windows), False

    def per_million(self, n: int) -> float:
        return n * 1e6 / max(self.words, 1)


def save_phrase_counts(path: str | Path, counts: dict[tuple[str, ...], int], *, floor: int,
                       words: int, sentences: int, source: str) -> None:
    """A gzipped TSV: a JSON header line, then ``count<TAB>n-gram`` (tokens joined by spaces),
    most frequent first."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".partial")
    head = {"floor": floor, "words": words, "sentences": sentences, "source": source,
            "max_n": MAX_N}
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("#" + json.dumps(head, ensure_ascii=False) + "\n")
        for g, k in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
            fh.write(f"{k}\t{' '.join(g)}\n")
    tmp.replace(p)


@lru_cache(maxsize=4)
def load_phrase_counts(path: str) -> PhraseCounts:
    """The shipped counts (read once per process, when first needed)."""
    p = Path(path)
    if not p.exists():
        raise ModelError("phrase counts not found; make them with `repair train alias-counts`",
                         p)
    counts: dict[tuple[str, ...], int] = {}
    with gzip.open(p, "rt", encoding="utf-8") as fh:
        head = json.loads(fh.readline().lstrip("#"))
        for line in fh:
            k, _, g = line.rstrip("\n").partition("\t")
            counts[tuple(g.split(" "))] = int(k)
    return PhraseCounts(counts, head["floor"], head["words"], head["sentences"], head["source"])


def news_count(phrase: str) -> int:
    """How often clean news writes ``phrase``, by the shipped counts: the one question the
    detector's slot rules and the rewriter's place and visit rules ask of them (0 below their
    floor, or where no counts were made)."""
    from repair import project_path

    path = project_path(PHRASE_COUNTS)
    if not path.exists():
        return 0
    return load_phrase_counts(str(path)).count(phrase)[0] or 0


def write_counts_card(path: str | Path) -> Path:
    """``README.md`` beside the counts: what they are, how they were made, how they are used."""
    p = Path(path)
    pc = load_phrase_counts.__wrapped__(str(p))
    by_n = Counter(len(g) for g in pc.counts)
    top = sorted(((k, " ".join(g)) for g, k in pc.counts.items() if len(g) > 1),
                 reverse=True)[:8]
    lines = [
        "# Phrase counts of clean news (the alias-table check)",
        "",
        f"- File: `{p.name}`; made by `repair train alias-counts` from `{pc.source}` "
        f"({pc.sentences:,} sentences, {pc.words:,} words).",
        f"- Contents: every n-gram of 1-{MAX_N} tokens seen at least {pc.floor} times "
        f"({len(pc.counts):,}: " + ", ".join(f"{n}-grams {by_n[n]:,}" for n in sorted(by_n))
        + "), keyed as alias variants match text: NFC, tone placement normalised, case kept, "
        "a hyphenated word one token (\"ra-đi-ô\"), words joined by one space.",
        "- Use: loading an alias table refuses a context-free variant that occurs at least "
        "`FREQUENT_COUNT` times (repair/aliases/__init__.py); the file is read once, the first "
        "time a table has a context-free variant. How the limit (100) was chosen: the "
        "project README, section Alias tables.",
        "- Most frequent phrases: " + ", ".join(f"\"{g}\" {k:,}" for k, g in top) + ".",
        "",
    ]
    card = p.with_name("README.md")
    if card.exists() and not card.read_text(encoding="utf-8").startswith(lines[0]):
        card = p.with_name(p.name + ".README.md")  # never over a README the tool did not write
        if card.exists() and not card.read_text(encoding="utf-8").startswith(lines[0]):
            log.warning("no card written: %s is not one of ours", card)
            return card
    card.write_text("\n".join(lines), encoding="utf-8")
    return card

"""A gazetteer of Vietnamese names mined from clean news: capitalised runs of Vietnamese
syllables ("Nguyễn Xuân Phúc", "Thanh Hóa") with how often each occurs and how often after a
person title or a place word. It ranks the candidate names the Hán-Việt bridge builds.

Mined once with ``repair names gazetteer`` and shipped (``models/names/gazetteer.tsv.gz``), so
resolving needs no corpus.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repair.errors import InputError
from repair.text import fold_key, is_vietnamese_syllable, tokens
from repair.text.outputs import read_tsv_gz, write_tsv_gz
from repair.text.timing import timed_call

__all__ = ["Gazetteer", "mine_gazetteer", "PERSON_WORDS", "PLACE_WORDS", "context_kind"]

log = logging.getLogger(__name__)

# The word just before a name that says what it names (lower-cased; the last word of
# multi-word titles: "Thủ tướng" -> "tướng", "thành phố" -> "phố").
PERSON_WORDS = frozenset(
    "ông bà anh chị cụ tướng trưởng tịch thư lý đốc chí tá úy sĩ sư nhân viên "
    "soái lệnh huy ủy bí".split()
)
PLACE_WORDS = frozenset("tỉnh phố huyện quận xã thị tại ở về đến vùng miền sông".split())
_MAX_N = 4


def context_kind(prev_word: str | None) -> str | None:
    """'person', 'place' or None for the word before a name."""
    if not prev_word:
        return None
    w = fold_key(prev_word.lower())
    return "person" if w in PERSON_WORDS else "place" if w in PLACE_WORDS else None


def _key(words: Iterable[str]) -> str:
    return " ".join(fold_key(w.lower()) for w in words)


@dataclass
class Gazetteer:
    # folded name -> (count, after a person word, after a place word, surface form)
    names: dict[str, tuple[int, int, int, str]]
    # folded syllable -> (count as the first syllable of a run, count elsewhere in a run)
    syllables: dict[str, tuple[int, int]]
    total_runs: int

    def lookup(self, words: Iterable[str]) -> tuple[int, int, int, str] | None:
        return self.names.get(_key(words))

    def syllable_logp(self, syllable: str, first: bool) -> float:
        """Smoothed log-probability of a syllable in a name, at the first or a later slot."""
        a, b = self.syllables.get(fold_key(syllable.lower()), (0, 0))
        c = a if first else b
        return math.log((c + 0.1) / (self.total_runs + 1))

    def save(self, path: Path) -> None:
        write_tsv_gz(path, [
            ("#runs", self.total_runs),
            *(("S", k, a, b) for k, (a, b) in sorted(self.syllables.items())),
            *(("N", surface, c, per, pla) for _k, (c, per, pla, surface)
              in sorted(self.names.items(), key=lambda kv: -kv[1][0])),
        ])

    @classmethod
    @timed_call("load: gazetteer")
    def load(cls, path: str | Path) -> Gazetteer:
        names: dict[str, tuple[int, int, int, str]] = {}
        sylls: dict[str, tuple[int, int]] = {}
        runs = 0
        for lineno, cols in read_tsv_gz(path, "mine one with 'repair names gazetteer'"):
            try:
                if cols[0] == "#runs":
                    runs = int(cols[1])
                elif cols[0] == "S":
                    sylls[cols[1]] = (int(cols[2]), int(cols[3]))
                elif cols[0] == "N":
                    names[_key(cols[1].split())] = (
                        int(cols[2]), int(cols[3]), int(cols[4]), cols[1]
                    )
                else:
                    raise ValueError(f"unknown row type {cols[0]!r}")
            except (ValueError, IndexError) as exc:
                raise InputError(f"malformed gazetteer row ({exc})", Path(path), lineno) from exc
        return cls(names, sylls, runs)


def _runs(text: str) -> Iterable[tuple[str | None, list[str]]]:
    """(word before, words) of each run of capitalised Vietnamese syllables."""
    prev: str | None = None
    run: list[str] = []
    before: str | None = None
    last_end = -2
    for m in tokens(text):
        w = m.group(0)
        cap = w[:1].isupper() and not w.isupper() and is_vietnamese_syllable(w)
        adjacent = m.start() - last_end == 1 and text[last_end] == " "
        if cap and run and adjacent:
            run.append(w)
        else:
            if run:
                yield before, run
            run = [w] if cap else []
            before = prev if adjacent else None
        prev, last_end = w, m.end()
    if run:
        yield before, run


def mine_gazetteer(
    sentences: Iterable[str], min_count: int = 3, min_syllable_count: int = 2
) -> Gazetteer:
    """Count names (2-4 syllables, every sub-run of a capitalised run) and name syllables."""
    counts: Counter[str] = Counter()
    person: Counter[str] = Counter()
    place: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    first: Counter[str] = Counter()
    later: Counter[str] = Counter()
    total = 0
    for text in sentences:
        for before, run in _runs(text):
            # a sentence's first word is capitalised anyway: it starts no name
            total += 1
            keys = [fold_key(w.lower()) for w in run]
            for i, k in enumerate(keys):
                (first if i == 0 else later)[k] += 1
            for i in range(len(run)):
                prev = before if i == 0 else run[i - 1]
                kind = context_kind(prev)
                for n in range(2, min(_MAX_N, len(run) - i) + 1):
                    key = " ".join(keys[i : i + n])
                    counts[key] += 1
                    if kind == "person":
                        person[key] += 1
                    elif kind == "place":
                        place[key] += 1
                    surface.setdefault(key, Counter())[" ".join(run[i : i + n])] += 1
    names = {
        k: (c, person[k], place[k], surface[k].most_common(1)[0][0])
        for k, c in counts.items()
        if c >= min_count
    }
    sylls = {
        k: (first[k], later[k])
        for k in set(first) | set(later)
        if first[k] + later[k] >= min_syllable_count
    }
    log.info("gazetteer: %d runs, %d names, %d syllables", total, len(names), len(sylls))
    return Gazetteer(names, sylls, total)

"""Resolve a pinyin rendering of a Vietnamese name to candidate Vietnamese names.

"Ruan Chunfu" -> syllables ruan | chun fu -> the Hán-Việt readings of the characters with
each pinyin (阮 nguyễn, 春 xuân, 福 phúc, ...) -> candidate names, ranked by a noisy channel:

    P(name | rendering) ∝ P(name) · Π P(pinyin_i | reading_i)

``P(name)`` is the name's share of the gazetteer's capitalised runs, adjusted by how often it
follows the same kind of word (person title / place word) as the span does in its sentence;
a name the gazetteer lacks gets a back-off from its syllables' frequency in names.
``P(pinyin | reading)`` is the share of the reading's characters that have that pinyin. A name
written out elsewhere in the sentence is strong evidence. Scores are normalised over the
candidates, so they read as probabilities.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from repair.names.gazetteer import Gazetteer, context_kind
from repair.names.hanviet import HanViet, Reading, simplified, toneless
from repair.text import fold_key, is_vietnamese_syllable

__all__ = ["Candidate", "Resolver", "split_pinyin"]

_WORD_RE = re.compile(r"[A-Za-zÜüǕǗǙǛǖǘǚǜāáǎàēéěèīíǐìōóǒòūúǔù]+")
_BACKOFF = math.log(0.02)  # a name the gazetteer never saw, relative to one it saw once
_IN_CONTEXT = math.log(50.0)  # the candidate is written out in the same sentence
_EXTRA_SYLLABLE = math.log(0.5)  # per syllable beyond the fewest a segmentation needs
_MAX_SEGMENTATIONS = 8
_BEAM = 30


@dataclass(frozen=True)
class Candidate:
    name: str
    score: float
    evidence: tuple[dict, ...] = field(default=())
    known: int = 0  # times the gazetteer saw the name in clean news (0: built from syllables)

    def to_dict(self) -> dict:
        return {"name": self.name, "score": round(self.score, 4), "known": self.known,
                "evidence": list(self.evidence)}


def split_pinyin(word: str, syllables: frozenset[str] | set[str]) -> list[list[str]]:
    """Every way ``word`` splits into known pinyin syllables, fewest syllables first."""
    w = toneless(word)
    if not w:
        return []
    out: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(out) >= 64:
            return
        if i == len(w):
            out.append(list(acc))
            return
        for j in range(min(len(w), i + 6), i, -1):
            if w[i:j] in syllables:
                acc.append(w[i:j])
                walk(j, acc)
                acc.pop()

    walk(0, [])
    return sorted(out, key=len)


class Resolver:
    """Candidate Vietnamese names for pinyin renderings (see the module docstring)."""

    def __init__(self, hanviet: HanViet, gazetteer: Gazetteer):
        self.hv = hanviet
        self.gaz = gazetteer
        self.syllables = hanviet.syllables
        # (length, first syllable) -> names: a rendering's first syllable has a few dozen
        # readings, so only their names are compared
        index: dict[tuple[int, str], list[tuple[tuple[str, ...], tuple[int, int, int, str]]]] = (
            defaultdict(list)
        )
        for key, entry in gazetteer.names.items():
            parts = tuple(key.split())
            index[len(parts), parts[0]].append((parts, entry))
        self._index = dict(index)
        self._reading_chars = {k: len(v) for k, v in hanviet.by_reading.items()}
        self._reader = None  # JapaneseReader, loaded on first use (pykakasi's dictionary)

    def segmentations(self, text: str) -> list[list[str]]:
        """Syllable sequences the rendering may stand for, fewest syllables first."""
        words = _WORD_RE.findall(text)
        if not words:
            return []
        per_word = [split_pinyin(w, self.syllables) for w in words]
        if any(not s for s in per_word):
            return []
        combos = itertools.islice(itertools.product(*per_word), _MAX_SEGMENTATIONS * 4)
        segs = sorted((sum(c, []) for c in combos), key=len)
        return segs[:_MAX_SEGMENTATIONS]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one resolver per job, bounded cache
    def _readings(self, syllable: str) -> tuple[tuple[str, Reading, float], ...]:
        """(folded reading, reading, log P(pinyin | reading)) of one syllable."""
        out = []
        for r in self.hv.readings(syllable):
            key = fold_key(r.reading.lower())
            share = len(r.chars) / max(self._reading_chars.get(key, 1), 1)
            out.append((key, r, math.log(share)))
        return tuple(out)

    def _gazetteer_matches(self, opts: list[dict[str, tuple[Reading, float]]]):
        for first in opts[0]:
            for parts, entry in self._index.get((len(opts), first), ()):
                if all(p in o for p, o in zip(parts[1:], opts[1:], strict=True)):
                    yield parts, entry

    def _known(self, name: str) -> int:
        entry = self.gaz.lookup(name.split())
        return entry[0] if entry else 0

    def _japanese(self, text: str, context: str | None, top_k: int) -> list[Candidate]:
        """A Japanese name read out in Hán-Việt, in a sentence about Japan, that is not a
        Vietnamese name the gazetteer knows: read back through the kanji."""
        words = text.split()
        if (
            len(words) < 2
            or not _japan(context)
            or not all(w[:1].isupper() and is_vietnamese_syllable(w) for w in words)
            or self.gaz.lookup(words) is not None
        ):
            return []
        if self._reader is None:
            from repair.names.japanese import JapaneseReader

            self._reader = JapaneseReader(self.hv)
        names = self._reader.read(text, top_k)
        z = sum(0.5**i for i in range(len(names)))
        return [Candidate(n.name, 0.5**i / z, n.evidence) for i, n in enumerate(names)]

    def _backoff(self, opts: list[dict[str, tuple[Reading, float]]]):
        """The best-scoring syllable combinations by name-syllable frequency (a beam)."""
        beam: list[tuple[float, tuple[str, ...]]] = [(0.0, ())]
        for i, o in enumerate(opts):
            # each syllable's log-probability once, not once per beam entry (same sums)
            steps = [(k, ch, self.gaz.syllable_logp(k, first=i == 0))
                     for k, (_r, ch) in o.items()]
            grown = [
                (s + ch + lp, parts + (k,))
                for s, parts in beam
                for k, ch, lp in steps
            ]
            beam = heapq.nlargest(_BEAM, grown)
        return beam

    def resolve(self, text: str, context: str | None = None, top_k: int = 5) -> list[Candidate]:
        """Candidates for one rendering, best first (empty if it is not pinyin)."""
        segs = self.segmentations(text)
        if not segs:
            return self._japanese(text, context, top_k)
        kind = _context_kind(text, context)
        folded_context = fold_key(context.lower()) if context else ""
        scored: dict[str, tuple[float, str, tuple[dict, ...]]] = {}
        fewest = len(segs[0])
        for seg in segs:
            opts = [{k: (r, ch) for k, r, ch in self._readings(s)} for s in seg]
            if any(not o for o in opts):
                continue
            extra = (len(seg) - fewest) * _EXTRA_SYLLABLE
            found: list[tuple[tuple[str, ...], float, str]] = []
            total = max(self.gaz.total_runs, 1)
            for parts, (count, person, place, surface) in self._gazetteer_matches(opts):
                prior = math.log(count / total)
                if kind is not None:
                    hits = person if kind == "person" else place
                    prior += math.log((hits + 1) / (count + 2)) - math.log(0.5)
                found.append((parts, prior, surface))
            for _s, parts in self._backoff(opts):
                prior = _BACKOFF + sum(
                    self.gaz.syllable_logp(k, first=i == 0) for i, k in enumerate(parts)
                ) - (len(parts) - 1) * math.log(total)
                surface = " ".join(opts[i][k][0].reading.capitalize() for i, k in
                                   enumerate(parts))
                found.append((parts, prior, surface))
            for parts, prior, surface in found:
                channel = sum(opts[i][k][1] for i, k in enumerate(parts))
                score = prior + channel + extra
                if folded_context and " ".join(parts) in folded_context:
                    score += _IN_CONTEXT
                key = " ".join(parts)
                if key not in scored or scored[key][0] < score:
                    evidence = tuple(
                        {
                            "pinyin": s,
                            "reading": opts[i][k][0].reading,
                            "chars": "".join(opts[i][k][0].chars[:6]),
                            "simplified": simplified("".join(opts[i][k][0].chars[:6])),
                        }
                        for i, (s, k) in enumerate(zip(seg, parts, strict=True))
                    )
                    scored[key] = (score, surface, evidence)
        if not scored:
            return []
        best = sorted(scored.values(), key=lambda v: -v[0])
        top = best[0][0]
        z = sum(math.exp(s - top) for s, _, _ in best)
        return [
            Candidate(surface, math.exp(s - top) / z, ev, self._known(surface))
            for s, surface, ev in best[:top_k]
        ]


def _japan(context: str | None) -> bool:
    return bool(context) and "nhật" in fold_key(context.lower())  # type: ignore[union-attr]


def _context_kind(text: str, context: str | None) -> str | None:
    """Person or place, from the word before the rendering in its sentence."""
    if not context:
        return None
    at = context.find(text)
    if at <= 0:
        return None
    before = re.findall(r"\w+", context[:at])
    if not before:
        return None
    kind = context_kind(before[-1])
    if kind is None and len(before) >= 2 and before[-1].lower() in ("việt", "nam"):
        kind = context_kind(before[-2])  # "Thủ tướng Việt Ruan Chunfu"
    return kind

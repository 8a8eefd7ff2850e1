"""Memory of past decisions: reuse a reviewer's accepted text for a sentence seen before.

As translation-memory tools do, a flagged sentence is looked up among the queue's accepted
and edited items before its proposal is kept:

- ``exact``: the same machine text; the reviewer's final text is reused as it is;
- ``normalised``: equal after NFC, tone placement, case and whitespace folding;
- ``fuzzy``: character similarity of at least ``fuzzy_threshold``, where the reviewer's
  changes and the differences between the two sentences touch disjoint stretches of text, so
  the reviewer's changes can be replayed onto the new sentence (a three-way merge).

``repair.rewrite.propose`` takes the memory like any other proposer: proposals taken from it have
``source="memory"`` and ``model="memory:<item id>"``.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from repair.review.edits import phrase_edits
from repair.review.queue import Queue
from repair.text import fold_key, nfc

__all__ = ["MemoryEntry", "MemoryMatch", "Memory"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MemoryEntry:
    item_id: int
    text: str  # machine text the reviewer saw
    final: str  # what they accepted


@dataclass(frozen=True)
class MemoryMatch:
    entry: MemoryEntry
    kind: str  # exact, normalised, fuzzy
    similarity: float
    text: str  # the reviewer's text carried over to the query

    @property
    def item_id(self) -> int:
        return self.entry.item_id


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", fold_key(nfc(text))).strip().lower()


def _edits(a: str, b: str) -> list[tuple[int, int, str]]:
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [(i1, i2, b[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal"]


def _merge(base: str, mine: str, theirs: str) -> str | None:
    """Replay base->mine changes onto theirs, when they touch other stretches than
    base->theirs; None when they overlap (or are closer than one character). The reviewer's
    changes are phrase edits (:mod:`repair.review.edits`): one correction replays whole or
    not at all, a moved block included."""
    a = [(e.outer_start, e.outer_end, e.outer_new) for e in phrase_edits(base, mine)]
    b = _edits(base, theirs)
    for i1, i2, _ in a:
        for j1, j2, _ in b:
            if i1 <= j2 and j1 <= i2:  # overlapping or adjacent
                return None
    out, pos = [], 0
    for i1, i2, rep in sorted(a + b):
        out.append(base[pos:i1])
        out.append(rep)
        pos = i2
    out.append(base[pos:])
    return "".join(out)


class Memory:
    """Accepted and edited sentences of a queue, looked up exactly, normalised or fuzzily."""

    def __init__(self, entries: Iterable[MemoryEntry], fuzzy_threshold: float = 0.9):
        self.entries = list(entries)
        self.fuzzy_threshold = fuzzy_threshold
        self._exact: dict[str, MemoryEntry] = {}
        self._normal: dict[str, MemoryEntry] = {}
        for e in self.entries:  # later decisions win
            self._exact[e.text] = e
            self._normal[_norm(e.text)] = e

    @classmethod
    def from_queue(cls, queue: Queue, fuzzy_threshold: float = 0.9) -> Memory:
        items = queue.items(["accepted", "edited"])
        items.sort(key=lambda it: it.decided_by.created_at)  # type: ignore[union-attr]
        entries = [
            MemoryEntry(it.id, it.text, it.final_text)
            for it in items
            if it.final_text is not None and it.final_text != it.text
        ]
        return cls(entries, fuzzy_threshold)

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, text: str) -> MemoryMatch | None:
        """The best match for ``text``, or None."""
        if text in self._exact:
            e = self._exact[text]
            return MemoryMatch(e, "exact", 1.0, e.final)
        e = self._normal.get(_norm(text))
        if e is not None:
            return MemoryMatch(e, "normalised", 1.0, e.final)
        best: MemoryMatch | None = None
        for e in self.entries:
            la, lb = len(e.text), len(text)
            if 2 * min(la, lb) < self.fuzzy_threshold * (la + lb):
                continue  # the lengths alone rule the threshold out
            sm = difflib.SequenceMatcher(a=e.text, b=text, autojunk=False)
            if sm.quick_ratio() < self.fuzzy_threshold:
                continue
            sim = sm.ratio()
            if sim < self.fuzzy_threshold or (best and sim <= best.similarity):
                continue
            merged = _merge(e.text, e.final, text)
            if merged is not None and merged != text:
                best = MemoryMatch(e, "fuzzy", round(sim, 4), merged)
        return best

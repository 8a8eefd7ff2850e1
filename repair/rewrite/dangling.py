"""Half-fixed calques: a function word the machine put next to a calque, dropped with the
canonical phrase's corpus contexts as evidence.

Machine translation through an English pivot writes a calque with the pivot's preposition
("cuộc gọi lịch sự trên ..." from "courtesy call on ...") or a light verb ("có cuộc gọi lịch
sự", "had a courtesy call"). Replacing the calque by its suggestion leaves that word beside a
phrase Vietnamese news never writes it with ("chào xã giao trên Thủ tướng"). The evidence is
how clean news writes the suggestion itself: the words seen right before and after it
(``build_contexts``, made once from the training corpus by ``repair train calque-contexts``
and shipped under ``models/lexicon/``). A preposition after a replaced calque (``DANGLING``),
or the light verb "có" before one (``DANGLING_BEFORE``), is dropped when the corpus writes the
suggestion often enough (``MIN_PHRASE``), never with that word on that side, and does write it
directly with the word beyond (the same word, or a capitalised one when a good share of its
neighbours on that side are capitalised: a title or a name).
Without the contexts file, or for a phrase it does not know (a reviewer's learned phrase),
nothing is dropped.
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import AliasMatch
from repair.errors import ModelError

__all__ = ["CONTEXTS", "DANGLING", "DANGLING_BEFORE", "MIN_PHRASE", "MIN_CAPITALISED",
           "PhraseContext", "build_contexts", "save_contexts", "load_contexts", "dangling_matches"]

log = logging.getLogger(__name__)

CONTEXTS = "models/lexicon/calque_contexts.json.gz"  # `repair train calque-contexts`
# the prepositions a pivot translation puts after a calque ("on", "with", "to", ...), and the
# light verb it puts before one ("had a ..."); conjunctions join, they never dangle, and a
# preposition before a phrase is ordinary Vietnamese ("với Thượng tướng")
DANGLING = frozenset("trên với cho về tại đến tới vào của ở từ theo bởi trong dưới".split())
DANGLING_BEFORE = frozenset({"có"})
MIN_PHRASE = 5  # the corpus writes the suggestion at least this often, or it tells nothing
MIN_CAPITALISED = 0.3  # share of capitalised neighbours that stands for "any capitalised word"
_WORD = re.compile(r"\w+")
_AFTER = re.compile(r" (\w+) (\w+)((?: [^\W\d_][\w-]*){0,3})")
_BEFORE = re.compile(r"(\w+) (\w+) $")


@dataclass(frozen=True)
class PhraseContext:
    """How often clean news writes a phrase, and the words right before and after it."""

    count: int
    prev: dict[str, int] = field(default_factory=dict)  # lowercase word -> count
    next: dict[str, int] = field(default_factory=dict)
    prev_capitalised: int = 0  # the word before was capitalised
    next_capitalised: int = 0

    def evidence(self, side: str, word: str, beyond: str) -> str | None:
        """Why ``word`` on ``side`` ("prev"/"next") of the phrase can go, ``beyond`` then
        touching it ("" = it cannot)."""
        seen = self.prev if side == "prev" else self.next
        cap = self.prev_capitalised if side == "prev" else self.next_capitalised
        if self.count < MIN_PHRASE or seen.get(word.lower(), 0):
            return None
        direct = seen.get(beyond.lower(), 0)
        if direct:
            return f"'{beyond}' {direct} times"
        if beyond[:1].isupper() and cap >= MIN_CAPITALISED * self.count:
            return f"a capitalised word {cap} times"
        return None


def build_contexts(sentences: Iterable[str], phrases: Sequence[str],
                   ) -> tuple[dict[str, PhraseContext], int]:
    """The contexts of each phrase (case-insensitive, whole words) in ``sentences``, every
    word each side (a word left out would read as never written there), and the number of
    sentences read."""
    keys = sorted({p.lower() for p in phrases if p.strip()}, key=len, reverse=True)
    if not keys:
        return {}, 0
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, keys)) + r")(?!\w)")
    counts: Counter = Counter()
    sides: dict[tuple[str, str], Counter] = {(k, s): Counter() for k in keys
                                             for s in ("prev", "next")}
    caps: Counter = Counter()
    n = 0
    for text in sentences:
        n += 1
        low = text.lower()
        if not pattern.search(low):
            continue
        for m in pattern.finditer(low):
            key = m.group(1)
            counts[key] += 1
            before = _WORD.findall(text[: m.start()])[-1:]
            after = _WORD.findall(text[m.end():])[:1]
            for side, words in (("prev", before), ("next", after)):
                if words:
                    sides[key, side][words[0].lower()] += 1
                    caps[key, side] += words[0][:1].isupper()
    out = {k: PhraseContext(counts[k], dict(sides[k, "prev"].most_common()),
                            dict(sides[k, "next"].most_common()), caps[k, "prev"],
                            caps[k, "next"]) for k in keys}
    return out, n


def save_contexts(path: str | Path, contexts: dict[str, PhraseContext], *, sentences: int,
                  source: str) -> None:
    """A gzipped JSON file: the corpus it was read from, and each phrase's contexts."""
    doc = {"source": source, "sentences": sentences,
           "phrases": {k: vars(c) for k, c in sorted(contexts.items())}}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(doc, fh, ensure_ascii=False, sort_keys=True)


@functools.lru_cache(maxsize=4)
def load_contexts(path: str) -> dict[str, PhraseContext]:
    """The shipped contexts (read once per process); a missing file reads as no evidence."""
    p = Path(path)
    if not p.exists():
        log.info("no calque contexts at %s: no dangling word is dropped", p)
        return {}
    try:
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
        return {k: PhraseContext(**v) for k, v in doc["phrases"].items()}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"unreadable calque contexts ({e}); remake them with `repair train "
                         "calque-contexts`", p) from e


def dangling_matches(text: str, found: Sequence[AliasMatch],
                     contexts: dict[str, PhraseContext],
                     is_place: Callable[[str], bool] = lambda s: False) -> list[AliasMatch]:
    """``found``'s calque replacements grown over a function word beside them that clean news
    never writes with the suggestion (the word dropped, the evidence in the source); the
    other matches as they are. A preposition before a place (``is_place`` of its capitalised
    words, "tới Hà Nội") says where, and stays."""
    from repair.rewrite.guard import vi_compounds

    compounds = vi_compounds()
    out = []
    for m in found:
        ctx = contexts.get(m.canonical.lower()) if m.type == "calque" else None
        if ctx is None:
            out.append(m)
            continue
        start, end, why = m.start, m.end, []
        after = _AFTER.match(text, m.end)
        if after and after.group(1).lower() in DANGLING and not _taken(found, after.start(1)):
            run = [after.group(2), *after.group(3).split()]
            cap = [w for w in run[: next((i for i, w in enumerate(run) if not w[:1].isupper()),
                                         len(run))]]
            # "Thủ tướng": a capitalised word making a dictionary word with the next is a title
            title = 0 < len(cap) < len(run) and f"{cap[-1]} {run[len(cap)]}".lower() in compounds
            place = bool(cap) and not title and is_place(" ".join(cap))
            ev = None if place else ctx.evidence("next", after.group(1), after.group(2))
            if ev:
                end = after.end(1)
                why.append(f"'{after.group(1)}' after it: clean news writes "
                           f"'{m.canonical} {after.group(1)}' 0 of {ctx.count} times, "
                           f"followed by {ev}")
        before = _BEFORE.search(text[: m.start])
        if (before and before.group(2).lower() in DANGLING_BEFORE
                and not _taken(found, before.start(2))):
            ev = ctx.evidence("prev", before.group(2), before.group(1))
            if ev:
                start = before.start(2)
                why.append(f"'{before.group(2)}' before it: clean news writes "
                           f"'{before.group(2)} {m.canonical}' 0 of {ctx.count} times, "
                           f"preceded by {ev}")
        if not why:
            out.append(m)
            continue
        out.append(AliasMatch(start, end, text[start:end], m.canonical, m.type,
                              "; ".join([m.source, *why])))
    return out


def _taken(found: Sequence[AliasMatch], pos: int) -> bool:
    return any(f.start <= pos < f.end for f in found)

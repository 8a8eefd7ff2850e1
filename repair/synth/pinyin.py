"""The ``pinyin`` family: a Vietnamese person name rendered in pinyin through the Hán-Việt table
("Ruan Chunfu")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit
from repair.synth.tables import SURNAMES_PINYIN

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


def _syll_pinyin(syn: Sources, syl: str, first: bool, rng: random.Random) -> str | None:
    if first and syl in SURNAMES_PINYIN:
        ch = SURNAMES_PINYIN[syl]
        py = syn.res.char_pinyin.get(ch)
        if py:
            return py
    chars = syn.res.reading_chars.get(syl)
    if not chars:
        return None
    ch = chars[0] if rng.random() < 0.8 or len(chars) == 1 else rng.choice(chars[:3])
    return syn.res.char_pinyin.get(ch)


def _english_lookalike(syn: Sources, base: str, rng: random.Random) -> str | None:
    cands = syn.res.en_by_prefix.get(base[:2].lower())
    if not cands:
        return None
    return rng.choice(cands[:200]).capitalize()


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    for i, j in syn.vn_names(ctx):
        sylls = [t[2].lower() for t in ctx.toks[i:j]]
        pys = [_syll_pinyin(syn, s, k == 0, rng) for k, s in enumerate(sylls)]
        if any(p is None for p in pys):
            continue
        pys_s: list[str] = [p for p in pys if p]
        sur, given = pys_s[0].capitalize(), "".join(pys_s[1:]).capitalize()
        u = rng.random()
        if u < 0.6:
            rep = f"{sur} {given}"
        elif u < 0.75:
            rep = " ".join(p.capitalize() for p in pys_s)
        elif u < 0.85:
            rep = "".join(pys_s).capitalize()
        elif u < 0.9:
            rep = f"{given} {sur}"
        else:
            rep = _english_lookalike(syn, "".join(pys_s), rng) or f"{sur} {given}"
        s, t = ctx.span(i, j)
        out.append((s, t, rep, "pinyin"))
    return out

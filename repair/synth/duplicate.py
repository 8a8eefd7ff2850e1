"""The ``duplicate`` family: a phrase duplicated ("vai trò và vai trò")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, is_cap

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


def _units(syn: Sources, ctx: Ctx) -> dict[int, list[int]]:
    """Start token → end tokens of phrase units (dictionary words, capitalised runs)."""
    units: dict[int, list[int]] = {}
    for i, j in syn.dict_words(ctx):
        units.setdefault(i, []).append(j)
    toks = ctx.toks
    i = 0
    while i < len(toks):
        if is_cap(toks[i][2]):
            j = i + 1
            while j < len(toks) and j - i < 3 and ctx.adjacent(j - 1) and is_cap(toks[j][2]):
                j += 1
            if j - i >= 2:
                units.setdefault(i, []).append(j)
            i = j
        else:
            i += 1
    return units


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    toks, out = ctx.toks, []
    units = _units(syn, ctx)
    ends = {j: i for i, js in units.items() for j in js}
    coord: list[Edit] = []
    for k, (_s, _t, w) in enumerate(toks):
        if (
            w in ("và", "lẫn", "với", "hoặc")
            and k in ends
            and ctx.adjacent(k - 1)
            and ctx.adjacent(k)
            and k + 1 in units
        ):
            a_i = ends[k]
            b_j = units[k + 1][0]
            a = ctx.words(a_i, k)
            b = ctx.words(k + 1, b_j)
            if a.lower() != b.lower():
                s, t = ctx.span(a_i, b_j)
                coord.append((s, t, f"{a} {w} {a}", "duplicate"))
    if coord and rng.random() < 0.6:
        return coord
    for i, js in units.items():
        j = js[0]
        s, t = ctx.span(i, j)
        w = ctx.text[s:t]
        u = rng.random()
        if u < 0.5:
            rep = f"{w} và {w}"
        elif u < 0.7:
            rep = f"cả {w} lẫn {w}" if s > 0 else f"Cả {w} lẫn {w}"
        elif u < 0.85:
            rep = f"{w}, {w}"
        else:
            rep = f"{w} {w}"
        out.append((s, t, rep, "duplicate"))
    for s, t, w in toks:
        if w in ("và", "của", "các") and rng.random() < 0.3:
            out.append((s, t, f"{w} {w}", "duplicate"))
    return out + coord

"""The ``grammar`` family: word-order and function-word errors ("quốc phòng hợp tác", an inserted
"sự")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, reorder
from repair.synth.tables import CLASSIFIERS, QUANT

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    toks, out = ctx.toks, []
    dw = syn.dict_words(ctx)
    by_start = {i: j for i, j in dw}
    ends = {j: i for i, j in dw}
    for i, j in dw:
        # modifier swap: "hợp tác quốc phòng" → "quốc phòng hợp tác"
        if j in by_start and ctx.adjacent(j - 1):
            k = by_start[j]
            s, t = ctx.span(i, k)
            a, b = ctx.words(i, j), ctx.words(j, k)
            out.append((s, t, reorder(b, a, s == 0), "grammar"))
        # inserted sự / việc / các
        if (
            i > 0
            and ctx.adjacent(i - 1)
            and toks[i - 1][2].lower()
            in ("rằng", "về", "cho", "của", "và", "để", "trong", "đến", "là")
        ):
            s, t = ctx.span(i, j)
            out.append(
                (s, t, f"{rng.choice(('sự', 'sự', 'việc', 'các'))} {ctx.text[s:t]}", "grammar")
            )
        # "đã W" → "đã W được"
        if i > 0 and ctx.adjacent(i - 1) and toks[i - 1][2] == "đã":
            s, t = ctx.span(i, j)
            out.append((s, t, f"{ctx.text[s:t]} được", "grammar"))
    for k, (_s, _t, w) in enumerate(toks):
        if (
            w == "của"
            and k in ends
            and k + 1 in by_start
            and ctx.adjacent(k - 1)
            and ctx.adjacent(k)
        ):
            # possessive reversal: "vai trò của quân đội" → "quân đội của vai trò"
            a_i, b_j = ends[k], by_start[k + 1]
            a, b = ctx.words(a_i, k), ctx.words(k + 1, b_j)
            s, t = ctx.span(a_i, b_j)
            out.append((s, t, reorder(b, f"của {a}", s == 0), "grammar"))
        elif (
            w.lower() in CLASSIFIERS
            and k > 0
            and k + 1 < len(toks)
            and toks[k - 1][2].lower() in QUANT
            and ctx.adjacent(k - 1)
            and ctx.adjacent(k)
        ):
            s, t = ctx.span(k - 1, k + 2)
            out.append((s, t, f"{toks[k - 1][2]} {toks[k + 1][2]}", "grammar"))
        elif w == "rằng" and k + 1 in by_start and ctx.adjacent(k):
            j = by_start[k + 1]
            s, t = ctx.span(k, j)
            out.append((s, t, f"{ctx.words(k + 1, j)} rằng", "grammar"))
        elif (
            k > 0
            and ctx.text[toks[k - 1][1] : toks[k][0]] == ", "
            and w.islower()
            and k in by_start
        ):
            s, t = ctx.span(k, by_start[k])
            out.append((s, t, f"đó là {ctx.text[s:t]}", "grammar"))
    # possessive "của" insertion between two dictionary words
    for i, j in dw:
        if j in by_start and ctx.adjacent(j - 1) and rng.random() < 0.3:
            k = by_start[j]
            s, t = ctx.span(i, k)
            out.append((s, t, f"{ctx.words(i, j)} của {ctx.words(j, k)}", "grammar"))
    return out

"""The ``term`` family: a Latin-script foreign term or place name mangled ("Diorcin" for dioxin)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit
from repair.synth.tables import JP_GIVEN, JP_SURNAMES, KNOWN_TERMS, PINYINISH

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


def _mangle(syn: Sources, w: str, rng: random.Random) -> str:
    low = w.lower()
    for _ in range(6):
        op = rng.random()
        m = low
        if op < 0.25:
            m = low[:-1]
        elif op < 0.4:
            p = rng.randrange(1, len(low) - 1)
            m = low[:p] + low[p + 1 :]
        elif op < 0.55:
            p = rng.randrange(1, len(low))
            m = low[:p] + rng.choice("rnaeo") + low[p:]
        elif op < 0.65:
            p = rng.randrange(1, len(low) - 1)
            m = low[:p] + low[p + 1] + low[p] + low[p + 2 :]
        else:
            rules = [r for r in PINYINISH if r[0].search(low)]
            if rules:
                for rx, sub in rng.sample(rules, min(len(rules), rng.randint(1, 2))):
                    m = rx.sub(sub, m, count=1)
        if m != low and len(m) >= 3:
            break
    else:
        m = low[:-1]
    if w.isupper() and len(w) > 1:
        return m.upper()
    if w[0].isupper() or rng.random() < 0.5:
        return m.capitalize()
    return m


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    syl = syn.res.vi_syllables
    for s, t, w in ctx.toks:
        if len(w) < 4 or not w.isascii() or not w.isalpha():
            continue
        low = w.lower()
        if low in KNOWN_TERMS or (low not in syl and not (w.isupper() and len(w) <= 5)):
            if w in JP_SURNAMES or w in JP_GIVEN:
                continue
            out.append((s, t, _mangle(syn, w, rng), "term"))
    return out

"""The ``calque`` family: a title, institution or collocation replaced by a word-for-word calque
("trên TƯỚNG")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, PhraseTable, sentence_start
from repair.synth.tables import CALQUES

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


_CALQUES = PhraseTable(CALQUES)


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    for m, alts in _CALQUES.matches(ctx.text):
        found = m.group()
        rep = rng.choice(alts)
        if not found.isupper():  # acronyms (CSGT, UBND) keep the table's case
            # sentence start: capitalise; lowercase match: lowercase; else the table's case
            # (mid-sentence "Thượng tướng" → "trên tướng", as in the seeds)
            if sentence_start(ctx.text, m.start()):
                rep = rep[0].upper() + rep[1:]
            elif found[:1].islower():
                rep = rep[0].lower() + rep[1:]
        out.append((m.start(), m.end(), rep, "calque"))
    return out

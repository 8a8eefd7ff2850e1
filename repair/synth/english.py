"""The ``english`` family: english words left in or inserted ("và" -> "and", "Bộ Quốc phòng" ->
"Ministry of Defense")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, PhraseTable, is_cap, match_case
from repair.synth.tables import ENGLISH_INSERTS, ENGLISH_SUBS, ENGLISH_TAILS

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


_SUBS = PhraseTable(ENGLISH_SUBS)


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = [(m.start(), m.end(), match_case(m.group(), rng.choice(alts)), "english")
                       for m, alts in _SUBS.matches(ctx.text)]
    toks = ctx.toks
    if len(toks) >= 4:
        # insertions: "the Bộ Quốc phòng", "cho biết on Monday,", "... hợp tác, etc."
        text = ctx.text
        caps = [
            k
            for k in range(1, len(toks))
            if is_cap(toks[k][2]) and not is_cap(toks[k - 1][2])
        ]
        if caps:
            s, t, w = toks[rng.choice(caps)]
            out.append((s, t, f"{rng.choice(('the', 'the', 'a', 'of the'))} {w}", "english"))
        before_punct = [
            k for k in range(1, len(toks)) if text[toks[k][1] : toks[k][1] + 1] in ",;"
        ]
        if before_punct:
            s, t, w = toks[rng.choice(before_punct)]
            out.append((s, t, f"{w} {rng.choice(ENGLISH_INSERTS)}", "english"))
        s, t, w = toks[-1]
        if text[t:].strip() in (".", "") and w.isalpha():
            out.append((s, t, f"{w}, {rng.choice(ENGLISH_TAILS)}", "english"))
    return out

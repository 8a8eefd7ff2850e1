"""The ``english`` family: english words left in or inserted ("và" -> "and", "Bộ Quốc phòng" ->
"Ministry of Defense")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit, case_ok, is_cap, match_case, phrase_regex
from repair.synth.tables import ENGLISH_INSERTS, ENGLISH_SUBS, ENGLISH_TAILS

if TYPE_CHECKING:
    from repair.synth import Synthesizer

__all__ = ["propose"]


_EN_MAP = {p.lower(): (p, alts) for p, alts in ENGLISH_SUBS}


_EN_RE = phrase_regex(p for p, _ in ENGLISH_SUBS)


def propose(syn: Synthesizer, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    for m in _EN_RE.finditer(ctx.text):
        found = m.group()
        entry = _EN_MAP.get(found.lower())
        if entry is None or not case_ok(found, entry[0]):
            continue
        out.append((m.start(), m.end(), match_case(found, rng.choice(entry[1])), "english"))
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

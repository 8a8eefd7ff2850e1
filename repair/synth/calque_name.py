"""The ``calque_name`` family: a Japanese name whose kanji are glossed in English, read in Hán-Việt
or in pinyin ("Onodera Five Mã")."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from repair.synth.common import Ctx, Edit
from repair.synth.tables import JP_GIVEN, JP_SURNAMES, KANJI_EN, SHINJITAI, WORD_EN

if TYPE_CHECKING:
    from repair.synth.sources import Sources

__all__ = ["propose"]


_JP_SURNAMES = sorted(JP_SURNAMES)


_JP_GIVEN = sorted(JP_GIVEN)


def _kanji_hv(syn: Sources, k: str) -> str | None:
    return syn.res.char_hanviet.get(SHINJITAI.get(k, k)) or syn.res.char_hanviet.get(k)


def _kanji_py(syn: Sources, k: str) -> str | None:
    return syn.res.char_pinyin.get(SHINJITAI.get(k, k)) or syn.res.char_pinyin.get(k)


def _render_kanji(syn: Sources, k: str, mode: str) -> str:
    hv, en, py = _kanji_hv(syn, k), KANJI_EN.get(k), _kanji_py(syn, k)
    if mode == "hv" and hv:
        return hv.capitalize()
    if mode == "py" and py:
        return py.capitalize()
    return en or (hv.capitalize() if hv else (py or k).capitalize())


def _render_jp(syn: Sources, sur: str | None, given: str | None, rng: random.Random) -> str:
    parts: list[str] = []
    if sur is not None:
        kan = JP_SURNAMES[sur]
        u = rng.random()
        if u < (0.5 if given else 0.0):
            parts.append(sur)
        elif u < 0.7:
            parts.append(" ".join(_render_kanji(syn, k, "hv") for k in kan))
        elif u < 0.9:
            parts.append(" ".join(_render_kanji(syn, k, "en") for k in kan))
        else:
            parts.append(" ".join(_render_kanji(syn, k, rng.choice(("hv", "en"))) for k in kan))
    if given is not None:
        kan = JP_GIVEN[given]
        u = rng.random()
        if kan in WORD_EN and u < 0.3:
            g = WORD_EN[kan]
        elif u < 0.85:
            mode = rng.choices(("en", "hv", "py"), (0.5, 0.3, 0.2))[0]
            g = " ".join(_render_kanji(syn, k, mode) for k in kan)
        else:
            g = rng.choice(_JP_SURNAMES)
        if rng.random() < 0.15:
            g = g.lower()
        parts.append(g)
    if len(parts) == 2 and rng.random() < 0.25:
        parts.reverse()
    return " ".join(parts)


def propose(syn: Sources, ctx: Ctx, rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    toks, n, i = ctx.toks, len(ctx.toks), 0
    while i < n:
        w = toks[i][2]
        nxt = toks[i + 1][2] if ctx.adjacent(i) else ""
        sur = given = None
        if w in JP_GIVEN and nxt in JP_SURNAMES:
            given, sur, j = w, nxt, i + 2
        elif w in JP_SURNAMES and nxt in JP_GIVEN:
            sur, given, j = w, nxt, i + 2
        elif w in JP_SURNAMES and len(w) >= 4:
            sur, j = w, i + 1
        else:
            i += 1
            continue
        s, t = ctx.span(i, j)
        out.append((s, t, _render_jp(syn, sur, given, rng), "calque_name"))
        i = j
    if not out and syn.settings.substitute_names:
        for i, j in syn.vn_names(ctx):
            sur = rng.choice(_JP_SURNAMES)
            given = rng.choice(_JP_GIVEN) if j - i > 1 else None
            s, t = ctx.span(i, j)
            out.append((s, t, _render_jp(syn, sur, given, rng), "calque_name"))
    return out

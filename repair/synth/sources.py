"""What every artifact family reads: the generator's settings and resources, and the name and
word ranges of a sentence (computed once per sentence, shared by the families).

The families (one module each) take a :class:`Sources`; the :class:`repair.synth.Synthesizer`
that drives them is one, so no family imports the package that registers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repair import SHARED, project_path
from repair.synth.common import Ctx, is_cap
from repair.synth.resources import load_resources
from repair.synth.tables import (
    FUNCTION,
    NOT_NAMES,
    PERSON_TITLES,
    PLACE_PREFIXES,
    SURNAMES_PINYIN,
    TITLES,
)

__all__ = ["DEFAULT_FAMILY_WEIGHTS", "SynthSettings", "Sources"]

DEFAULT_FAMILY_WEIGHTS: Mapping[str, float] = {
    # Relative priorities, not shares: a family is only tried where it applies (in news text
    # pinyin/calque_name ~9% of sentences, calque ~9%, date ~6%, term ~30%, the rest ~80-99%),
    # so the rare families get large weights to keep the realised shares balanced.
    "pinyin": 12.0,
    "calque_name": 8.0,
    "term": 2.5,
    "calque": 12.0,
    "english": 0.6,
    "date": 14.0,
    "duplicate": 0.6,
    "grammar": 0.7,
}


@dataclass(frozen=True)
class SynthSettings:
    seed: int = 0
    rate: float = 0.5
    max_corruptions: int = 2
    family_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_FAMILY_WEIGHTS)
    )
    hanviet_csv: Path = Path(f"{SHARED}/lexicon/hanviet/hanviet.csv")
    vi_words: Path = Path(f"{SHARED}/lexicon/vi_words.txt")
    # calque_name may replace a Vietnamese person name by a Japanese table name's
    # calque; the clean side keeps the original name (set False when the corrupted
    # side must stay recoverable from itself, e.g. for rewriter training).
    substitute_names: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.family_weights) - set(DEFAULT_FAMILY_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown families in family_weights: {sorted(unknown)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be in [0, 1]")
        if self.max_corruptions < 1:
            raise ValueError("max_corruptions must be >= 1")


class Sources:
    """Settings and loaded resources, and the ranges the families share."""

    def __init__(self, settings: SynthSettings = SynthSettings()) -> None:
        self.settings = settings
        self.res = load_resources(
            project_path(settings.hanviet_csv), project_path(settings.vi_words)
        )

    def vn_names(self, ctx: Ctx) -> list[tuple[int, int]]:
        """Token ranges [i, j) of Vietnamese person names with Hán-Việt-convertible syllables."""
        if ctx._names is not None:
            return ctx._names
        toks, out = ctx.toks, []
        n, i = len(toks), 0
        readings = self.res.reading_chars
        while i < n:
            if not is_cap(toks[i][2]):
                i += 1
                continue
            j = i + 1
            while j < n and ctx.adjacent(j - 1) and is_cap(toks[j][2]):
                j += 1
            run = [t[2].lower() for t in toks[i:j]]
            if (
                2 <= len(run) <= 4
                and " ".join(run[:2]) not in NOT_NAMES
                and all(r in readings for r in run)
            ):
                before = ctx.text[max(0, toks[i][0] - 25) : toks[i][0]].lower().split()
                prev1 = before[-1] if before else ""
                prev2 = " ".join(before[-2:]) if len(before) >= 2 else ""
                prev3 = " ".join(before[-3:]) if len(before) >= 3 else ""
                if prev1 in PLACE_PREFIXES or prev2 in PLACE_PREFIXES or prev1 == "tp.":
                    pass
                elif (
                    run[0] in SURNAMES_PINYIN
                    or prev1 in TITLES
                    or prev2 in TITLES
                    or prev3 in TITLES
                ):
                    out.append((i, j))
            elif (
                j == i + 1
                and run[0] in readings
                and i > 0
                and ctx.adjacent(i - 1)
                and toks[i - 1][2] in PERSON_TITLES
            ):
                out.append((i, j))  # "ông Phúc": single given name after a personal title
            i = j
        ctx._names = out
        return out

    def dict_words(self, ctx: Ctx) -> list[tuple[int, int]]:
        """Greedy longest-match segmentation: token ranges [i, j) of 2–3 syllable words."""
        if ctx._dictwords is not None:
            return ctx._dictwords
        toks, words, out = ctx.toks, self.res.vi_words, []
        i, n = 0, len(toks)
        while i < n:
            for L in (3, 2):
                if ctx.chain(i, L):
                    w = ctx.words(i, i + L).lower()
                    if w in words:
                        parts = w.split()
                        if parts[0] not in FUNCTION and parts[-1] not in FUNCTION:
                            out.append((i, i + L))
                        i += L
                        break
            else:
                i += 1
        ctx._dictwords = out
        return out

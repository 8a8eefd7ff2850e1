"""Rewrite stage: propose a repaired sentence for each flagged segment.

Version 1 is deterministic alias canonicalisation: every known variant becomes its canonical
form and nothing else changes. The seq2seq rewriter plugs in behind the same interface.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from repair.aliases import AliasMatch, AliasTable, canonicalize
from repair.detect import Detection

__all__ = ["RewriteSettings", "Proposal", "propose", "edit_ratio"]

ALIAS_MODEL = "alias-v1"


@dataclass(frozen=True)
class RewriteSettings:
    model: str | None = None  # seq2seq model directory; None = alias canonicalisation only
    max_edit_ratio: float = 0.5  # proposals that change more are marked low-confidence


@dataclass(frozen=True)
class Proposal:
    detection: Detection
    text: str  # the proposed sentence; equal to the segment text where nothing should change
    source: str  # "unchanged", "alias"
    model: str
    edit_ratio: float
    low_confidence: bool
    replacements: tuple[AliasMatch, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text != self.detection.segment.text


def edit_ratio(a: str, b: str) -> float:
    """Share of characters changed between ``a`` and ``b`` (0 = identical)."""
    if a == b:
        return 0.0
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return round(1.0 - sm.ratio(), 4)


def propose(
    detections: Iterable[Detection], settings: RewriteSettings, aliases: AliasTable
) -> Iterator[Proposal]:
    """One proposal per detection: flagged segments are canonicalised, others left as they are."""
    for det in detections:
        text = det.segment.text
        if not det.flagged:
            yield Proposal(det, text, "unchanged", ALIAS_MODEL, 0.0, False)
            continue
        new, matches = canonicalize(text, aliases)
        ratio = edit_ratio(text, new)
        yield Proposal(
            det,
            new,
            "alias" if matches else "unchanged",
            ALIAS_MODEL,
            ratio,
            ratio > settings.max_edit_ratio,
            tuple(matches),
        )

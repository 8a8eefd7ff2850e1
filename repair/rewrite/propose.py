"""Proposals: one per segment; flagged segments get a repair, the others stay as they are.

Without a model the repair is deterministic alias canonicalisation (``alias-v1``): every known
variant becomes its canonical form and nothing else changes. With a seq2seq model
(``rewrite.model``) only flagged sentences go to the model, with entities protected by
placeholders and, when ``focus`` is on, the clean text before the first flagged span forced
unchanged. Each rewrite is restored, verified (entity constraints) and guarded (degenerate
output); a rewrite that fails keeps the deterministic proposal and says why in ``check``.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from repair.aliases import AliasMatch, AliasTable, canonicalize
from repair.detect import Detection

__all__ = ["RewriteSettings", "Proposal", "propose", "edit_ratio", "ALIAS_MODEL", "SOURCES"]

log = logging.getLogger(__name__)

ALIAS_MODEL = "alias-v1"
# proposal sources: "unchanged", "alias" (canonicalisation), "model" (verified rewrite),
# "fallback" (the model's rewrite broke an entity constraint: canonicalisation instead),
# "guard" (the rewrite was degenerate: canonicalisation instead)
SOURCES = ("unchanged", "alias", "model", "fallback", "guard")


@dataclass(frozen=True)
class RewriteSettings:
    model: str | None = None  # seq2seq model directory; None = alias canonicalisation only
    max_edit_ratio: float = 0.5  # proposals that change more are marked low-confidence
    decoding: str = "fast"  # fast (input-copy speculative, = greedy) | greedy | beam
    num_beams: int = 4
    batch_size: int = 16
    focus: bool = True  # force the text before the first flagged span unchanged
    guard_max_edit_ratio: float = 0.5  # model rewrites changing more than this are rejected
    guard_min_length_ratio: float = 0.6
    guard_max_length_ratio: float = 1.5
    max_new_tokens: int = 160  # generation cap per sentence

    def __post_init__(self) -> None:
        if self.decoding not in ("fast", "greedy", "beam"):
            raise ValueError("rewrite.decoding must be fast, greedy or beam")


@dataclass(frozen=True)
class Proposal:
    detection: Detection
    text: str  # the proposed sentence; equal to the segment text where nothing should change
    source: str  # one of SOURCES (or "memory", set by the review memory)
    model: str
    edit_ratio: float
    low_confidence: bool
    replacements: tuple[AliasMatch, ...] = ()
    check: str = ""  # why a model rewrite was not used: guard reason or "entities: ..."

    @property
    def changed(self) -> bool:
        return self.text != self.detection.segment.text


def edit_ratio(a: str, b: str) -> float:
    """Share of characters changed between ``a`` and ``b`` (0 = identical)."""
    if a == b:
        return 0.0
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return round(1.0 - sm.ratio(), 4)


def _alias_proposal(det: Detection, settings: RewriteSettings, aliases: AliasTable,
                    model: str = ALIAS_MODEL, source: str | None = None,
                    check: str = "") -> Proposal:
    text = det.segment.text
    new, matches = canonicalize(text, aliases)
    ratio = edit_ratio(text, new)
    src = source or ("alias" if matches else "unchanged")
    return Proposal(det, new, src, model, ratio, ratio > settings.max_edit_ratio,
                    tuple(matches), check)


def focus_cut(det: Detection, prot) -> int:
    """Original-text offset up to which the sentence is forced unchanged: the last space before
    the first flagged span (0 = nothing forced)."""
    text = det.segment.text
    if not det.spans:
        return 0
    cut = min(s.start for s in det.spans)
    while True:
        cut = max(0, text.rfind(" ", 0, cut))
        inside = [s for s in prot.slots if s.start < cut < s.end]
        if not inside:
            return cut
        cut = inside[0].start


def propose(
    detections: Iterable[Detection], settings: RewriteSettings, aliases: AliasTable
) -> Iterator[Proposal]:
    """One proposal per detection: flagged segments are repaired, others left as they are."""
    dets = list(detections)
    if not settings.model:
        for det in dets:
            if det.flagged:
                yield _alias_proposal(det, settings, aliases)
            else:
                yield Proposal(det, det.segment.text, "unchanged", ALIAS_MODEL, 0.0, False)
        return
    yield from _propose_with_model(dets, settings, aliases)


def _propose_with_model(
    dets: list[Detection], settings: RewriteSettings, aliases: AliasTable
) -> Iterator[Proposal]:
    from repair.rewrite.entities import protect, restore, verify
    from repair.rewrite.guard import GuardLimits, check_rewrite
    from repair.rewrite.model import load_rewriter

    rw = load_rewriter(str(settings.model))
    limits = GuardLimits(settings.guard_min_length_ratio, settings.guard_max_length_ratio,
                         settings.guard_max_edit_ratio)
    jobs = {}  # index -> Protected
    for i, det in enumerate(dets):
        if det.flagged:
            prot = protect(det.segment.text, aliases)
            if prot is not None:
                jobs[i] = prot
    idx = sorted(jobs)
    prefixes = []
    for i in idx:
        cut = focus_cut(dets[i], jobs[i]) if settings.focus else 0
        prefixes.append(jobs[i].text[: jobs[i].to_protected(cut)] if cut else "")
    outputs = rw.rewrite([jobs[i].text for i in idx], prefixes, method=settings.decoding,
                         batch_size=settings.batch_size, num_beams=settings.num_beams,
                         max_new_tokens=settings.max_new_tokens)
    raw = dict(zip(idx, outputs, strict=True))
    for i, det in enumerate(dets):
        text = det.segment.text
        if not det.flagged:
            yield Proposal(det, text, "unchanged", rw.version, 0.0, False)
            continue
        if i not in jobs:
            yield _alias_proposal(det, settings, aliases, rw.version, "fallback",
                                  "entities: too many to protect")
            continue
        prot = jobs[i]
        restored = restore(raw[i], prot)
        problems = ["placeholders not kept"] if restored is None else verify(restored, prot,
                                                                             aliases)
        if problems:
            yield _alias_proposal(det, settings, aliases, rw.version, "fallback",
                                  "entities: " + "; ".join(problems))
            continue
        assert restored is not None
        baseline, matches = canonicalize(text, aliases)
        reason = check_rewrite(baseline, restored, edit_ratio(baseline, restored), limits)
        if reason is not None:
            yield _alias_proposal(det, settings, aliases, rw.version, "guard", reason)
            continue
        ratio = edit_ratio(text, restored)
        yield Proposal(det, restored, "model" if restored != text else "unchanged", rw.version,
                       ratio, ratio > settings.max_edit_ratio, tuple(matches))

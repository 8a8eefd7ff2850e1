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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from repair.aliases import AliasMatch, AliasTable, canonicalize
from repair.detect import Detection

_TOKEN_RE = re.compile(r"\S+")

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
    # what the model may change: "window" = only windows of ``window_words`` words around the
    # flagged non-alias spans (the rest of the sentence is kept by construction), "prefix" =
    # the sentence with the text before the first flagged span forced, "none" = the sentence
    focus: str = "window"
    window_words: int = 6
    guard_max_edit_ratio: float = 0.5  # model rewrites changing more than this are rejected
    guard_min_length_ratio: float = 0.6
    guard_max_length_ratio: float = 1.5
    max_new_tokens: int = 160  # generation cap per sentence

    def __post_init__(self) -> None:
        if self.decoding not in ("fast", "greedy", "beam"):
            raise ValueError("rewrite.decoding must be fast, greedy or beam")
        if self.focus not in ("window", "prefix", "none"):
            raise ValueError("rewrite.focus must be window, prefix or none")


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


def _fit(source: str, output: str) -> str:
    """A window's rewrite, without sentence-final punctuation or a capital the model adds
    to a window that is not a whole sentence."""
    out = output.strip()
    if out and out[-1] in ".!?" and source and source[-1] not in ".!?":
        out = out[:-1].rstrip()
    if out and source and source[0].islower() and out[0].isupper() and out[0].lower() == source[0]:
        out = out[0].lower() + out[1:]
    return out


def focus_windows(det: Detection, prot, words: int) -> list[tuple[int, int]]:
    """Original-text ranges the model may rewrite: each flagged span other than an alias
    (aliases are handled by placeholders) widened by ``words`` words on each side, never
    cutting an entity, merged where they touch. Empty when only aliases were flagged."""
    text = det.segment.text
    toks = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    out: list[tuple[int, int]] = []
    for sp in sorted(det.spans, key=lambda x: x.start):
        if sp.category == "alias" or sp.end <= sp.start:
            continue
        inside = [i for i, (a, b) in enumerate(toks) if a < sp.end and sp.start < b]
        if not inside:
            continue
        a = toks[max(0, inside[0] - words)][0]
        b = toks[min(len(toks) - 1, inside[-1] + words)][1]
        changed = True
        while changed:
            changed = False
            for slot in prot.slots:
                if slot.start < a < slot.end or slot.start < b < slot.end:
                    a, b = min(a, slot.start), max(b, slot.end)
                    changed = True
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


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
    jobs = {}  # detection index -> Protected
    parts: dict[int, list[tuple[int, int]]] = {}  # protected-text ranges given to the model
    calls: list[tuple[int, int, str, str]] = []  # (detection, range index, source, prefix)
    for i, det in enumerate(dets):
        if not det.flagged:
            continue
        prot = protect(det.segment.text, aliases)
        if prot is None:
            continue
        jobs[i] = prot
        if settings.focus == "window":
            wins = focus_windows(det, prot, settings.window_words)
            ranges = [(prot.to_protected(a), prot.to_protected(b)) for a, b in wins]
            parts[i] = ranges
            calls += [(i, k, prot.text[a:b], "") for k, (a, b) in enumerate(ranges)]
        else:
            cut = focus_cut(det, prot) if settings.focus == "prefix" else 0
            parts[i] = [(0, len(prot.text))]
            calls.append((i, 0, prot.text, prot.text[: prot.to_protected(cut)] if cut else ""))
    outputs = rw.rewrite([c[2] for c in calls], [c[3] for c in calls],
                         method=settings.decoding, batch_size=settings.batch_size,
                         num_beams=settings.num_beams, max_new_tokens=settings.max_new_tokens)
    done: dict[int, dict[int, str]] = {}
    for (i, k, _, _), out in zip(calls, outputs, strict=True):
        done.setdefault(i, {})[k] = out
    raw, window_check = {}, {}
    for i, prot in jobs.items():
        pieces, pos = [], 0
        for k, (a, b) in enumerate(parts[i]):
            src, out = prot.text[a:b], _fit(prot.text[a:b], done[i][k])
            if settings.focus == "window" and i not in window_check:
                reason = check_rewrite(src, out, edit_ratio(src, out), limits)
                if reason is not None:
                    window_check[i] = reason
            pieces += [prot.text[pos:a], out]
            pos = b
        raw[i] = "".join(pieces) + prot.text[pos:]
    for i, det in enumerate(dets):
        text = det.segment.text
        if not det.flagged:
            yield Proposal(det, text, "unchanged", rw.version, 0.0, False)
            continue
        if i not in jobs:
            yield _alias_proposal(det, settings, aliases, rw.version, "fallback",
                                  "entities: too many to protect")
            continue
        if not parts[i]:  # only aliases flagged: nothing for the model to do
            yield _alias_proposal(det, settings, aliases)
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
        reason = window_check.get(i) or check_rewrite(baseline, restored,
                                                      edit_ratio(baseline, restored), limits)
        if reason is not None:
            yield _alias_proposal(det, settings, aliases, rw.version, "guard", reason)
            continue
        ratio = edit_ratio(text, restored)
        yield Proposal(det, restored, "model" if restored != text else "unchanged", rw.version,
                       ratio, ratio > settings.max_edit_ratio, tuple(matches))

"""Name candidates on flagged name spans: what the resolver (``repair.names``) proposes for a
name no alias table knows, carried on the span for the reviewer; never applied by a job."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from repair.detect.base import NAME_CATEGORIES, Detection
from repair.names.resolve import Resolver

__all__ = ["attach_candidates"]


def _pinyin_core(text: str, resolver: Resolver) -> str | None:
    """The pinyin words of a span ("Việt Ruan Chunfu" -> "Ruan Chunfu"); a span without any
    is kept whole (a Japanese name read in Hán-Việt)."""
    words = text.split()
    keep = [i for i, w in enumerate(words) if resolver.segmentations(w)]
    if not keep:
        return text
    return " ".join(words[keep[0] : keep[-1] + 1])


def attach_candidates(
    detections: Iterable[Detection], resolver: Resolver, top_k: int = 5
) -> Iterator[Detection]:
    """Flagged detections with candidates on their name spans; nothing else changes."""
    for det in detections:
        if not det.flagged or not any(s.category in NAME_CATEGORIES for s in det.spans):
            yield det
            continue
        spans = []
        for s in det.spans:
            core = _pinyin_core(s.text, resolver) if s.category in NAME_CATEGORIES else None
            cands = resolver.resolve(core, det.segment.text, top_k) if core else []
            # pinyin: only where some candidate is a name clean news uses; a reading built
            # from syllables alone ("Kim Young Ae" -> "A Nga") tells a reviewer nothing
            if cands and ("pinyin" in cands[0].evidence[0] and not any(c.known for c in cands)):
                cands = []
            if cands:
                s = dataclasses.replace(
                    s, candidates=tuple({**c.to_dict(), "rendering": core} for c in cands)
                )
            spans.append(s)
        yield dataclasses.replace(det, spans=tuple(spans))

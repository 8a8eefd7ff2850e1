"""What name candidates do to clean text: over held-out clean sentences, how many flagged
spans carry candidates, and whether any proposal contains a candidate (it never should: a
candidate is applied only by a reviewer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from repair.pipeline import Pipeline
from repair.text import Segment, corpus_sentences

__all__ = ["CleanReport", "clean_candidates"]


@dataclass
class CleanReport:
    sentences: int = 0
    flagged: int = 0
    with_candidates: int = 0
    replaced: int = 0  # proposals that contain a candidate the sentence did not
    examples: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("held-out clean sentences", str(self.sentences)),
            ("flagged", str(self.flagged)),
            ("with name candidates", str(self.with_candidates)),
            ("proposals that put a candidate in", str(self.replaced)),
        ]


def clean_candidates(path: str | Path, n: int, pipeline: Pipeline) -> CleanReport:
    """The pipeline (name candidates on) over the first ``n`` sentences of a clean corpus."""
    texts = corpus_sentences(path, limit=n)
    segs = [Segment(str(i), "clean", t, 0, len(t), i) for i, t in enumerate(texts)]
    rep = CleanReport()
    for p in pipeline.process(segs):
        det = p.detection
        rep.sentences += 1
        rep.flagged += det.flagged
        cands = [c["name"] for s in det.spans for c in s.candidates]
        if cands:
            rep.with_candidates += 1
            if len(rep.examples) < 10:
                rep.examples.append(f"{det.segment.text}  ->  {', '.join(cands[:3])}")
        if any(c in p.text and c not in det.segment.text for c in cands):
            rep.replaced += 1
    return rep

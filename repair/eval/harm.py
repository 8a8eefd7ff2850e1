"""Harm on text people wrote: every change the pipeline makes to clean human-written sentences
that no training or tuning used.

The clean set is the corpus's ``dev.jsonl.gz`` after the sentences the held-out false-positive
rate reads (the first ``eval.clean_n``): first every sentence there longer than the 40 words
the synthetic evaluation and the rewriter's keep calibration draw from (no stage reads them),
then, to make up ``n``, the last sentences of the file (of which the rewriter's keep
calibration drew its one margin from a random sample; nothing else reads them). Run it as
``repair eval --harm 2000`` (every change listed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from repair.pipeline import Pipeline
from repair.text import Segment, iter_corpus

__all__ = ["Change", "clean_human_sentences", "clean_changes"]

log = logging.getLogger(__name__)

FPR_SENTENCES = 5000  # the held-out false-positive rate reads the first 5,000 dev sentences
SAMPLED_MAX_WORDS = 40  # synthetic evaluation and keep calibration read sentences up to this


@dataclass(frozen=True)
class Change:
    index: int  # the sentence's line in the corpus file (0-based)
    text: str
    proposal: str
    source: str


def clean_human_sentences(path: str | Path, n: int = 2000,
                          skip: int = FPR_SENTENCES) -> list[tuple[int, str]]:
    """``n`` (line, sentence) pairs of the clean corpus ``path`` as the module says, in file
    order."""
    rows = list(enumerate(iter_corpus(path)))[skip:]
    unused = [r for r in rows if len(r[1].split()) > SAMPLED_MAX_WORDS][:n]
    taken = {i for i, _ in unused}
    rest = [r for r in rows if r[0] not in taken][::-1][: n - len(unused)]
    return sorted(unused + rest)


def clean_changes(pipeline: Pipeline, sentences: list[tuple[int, str]]) -> list[Change]:
    """Every proposal that differs from its clean sentence."""
    segs = [Segment(str(i), "clean", t, 0, len(t), k) for k, (i, t) in enumerate(sentences)]
    out = []
    for p in pipeline.process(segs):
        if p.changed:
            seg = p.detection.segment
            out.append(Change(int(seg.id), seg.text, p.text, p.source))
    return out

"""Harm on text people wrote: every change the pipeline makes to clean human-written sentences
that no training or tuning used.

The clean set is the corpus's ``dev.jsonl.gz`` after the sentences the held-out false-positive
rate reads (the first ``eval.clean_n``): first every sentence there longer than the 40 words
the synthetic evaluation and the rewriter's keep calibration draw from (no stage reads them),
then, to make up ``n``, the last sentences of the file. Run it as
``python -m repair.eval.harm [N] [OUT.jsonl]``.
"""

from __future__ import annotations

import json
import logging
import sys
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


def main(argv: list[str]) -> int:
    from repair.config import load_aliases, load_settings

    n = int(argv[0]) if argv else 2000
    settings = load_settings(None)
    sents = clean_human_sentences(settings.eval.clean, n)
    changes = clean_changes(Pipeline.from_settings(settings, load_aliases(settings)), sents)
    if len(argv) > 1:
        Path(argv[1]).write_text("".join(json.dumps(c.__dict__, ensure_ascii=False) + "\n"
                                         for c in changes), encoding="utf-8")
    sys.stdout.write(f"{len(sents) - len(changes)}/{len(sents)} unchanged "
                     f"({1 - len(changes) / len(sents):.4f})\n")
    for c in changes:
        sys.stdout.write(f"[{c.index}] {c.source}\n  - {c.text}\n  + {c.proposal}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Batch jobs: stream input files through detect (and rewrite, queue) into a JSONL file.

Memory is bounded by the largest single document, not by the input: documents are read,
processed and written one at a time. The output is written to a temporary file beside the
target and renamed at the end, so a failed or killed job leaves no half-written output; queue
items are committed document by document, so a killed job loses none it had recorded.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import AliasTable, load_alias_tables
from repair.config import Settings, save_settings
from repair.detect import Detection, detect
from repair.memory import Memory
from repair.names import load_resolver
from repair.names.review import attach_candidates
from repair.review import Queue
from repair.rewrite import Proposal, propose
from repair.text import read_documents, segment_documents

__all__ = ["JobSummary", "run_job", "load_aliases"]

log = logging.getLogger(__name__)


@dataclass
class JobSummary:
    mode: str
    documents: int = 0
    segments: int = 0
    flagged: int = 0
    changed: int = 0
    queued_new: int = 0
    categories: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)  # model rewrites not used, by reason
    seconds: float = 0.0
    output: str = ""

    @property
    def segments_per_second(self) -> float:
        return self.segments / self.seconds if self.seconds else 0.0


def load_aliases(settings: Settings, extra: Sequence[str | Path] = ()) -> AliasTable:
    """The default alias tables from the config plus any given on the command line."""
    return load_alias_tables([*settings.aliases, *extra])


def _record(item: Detection | Proposal) -> dict:
    det = item.detection if isinstance(item, Proposal) else item
    seg = det.segment
    rec = {
        **seg.fields,
        "id": seg.id,
        "doc_id": seg.doc_id,
        "text": seg.text,
        "score": round(det.score, 4),
        "flagged": det.flagged,
        "spans": [s.to_dict() for s in det.spans],
    }
    if isinstance(item, Proposal):
        rec.update(
            proposal=item.text,
            proposal_source=item.source,
            model=item.model,
            edit_ratio=item.edit_ratio,
            low_confidence=item.low_confidence,
        )
        if getattr(item, "check", ""):
            rec["check"] = item.check
    return rec


def _propose_with_memory(dets: list, settings: Settings, aliases: AliasTable,
                         memory: Memory | None) -> list:
    """Proposals for one document; sentences the memory of past decisions knows are not sent
    to the model (the reviewer's text replaces whatever it would say)."""
    if memory is None or not memory.entries:
        return list(propose(dets, settings.rewrite, aliases))
    known = [d.flagged and memory.lookup(d.segment.text) is not None for d in dets]
    shown = [dataclasses.replace(d, flagged=False) if k else d for d, k in zip(dets, known,
                                                                                strict=True)]
    proposals = [
        dataclasses.replace(p, detection=d) if k else p
        for p, d, k in zip(propose(shown, settings.rewrite, aliases), dets, known, strict=True)
    ]
    return list(memory.apply(proposals))


def run_job(
    inputs: Iterable[str | Path],
    out: str | Path,
    settings: Settings,
    *,
    mode: str = "run",
    extra_aliases: Sequence[str | Path] = (),
) -> JobSummary:
    """Run ``detect`` or ``run`` (detect + propose + queue) over input files into ``out``."""
    if mode not in ("detect", "run"):
        raise ValueError(f"mode must be 'detect' or 'run', not {mode!r}")
    t0 = time.perf_counter()
    aliases = load_aliases(settings, extra_aliases)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    summary = JobSummary(mode=mode, output=str(out))
    queue = (
        Queue(settings.queue.path, settings.queue.busy_timeout_ms)
        if (mode == "run" and settings.queue.path)
        else None
    )
    # Memory of past decisions: reviewers' accepted text for sentences seen before.
    memory = Memory.from_queue(queue) if queue is not None else None
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for doc in read_documents(inputs):
                summary.documents += 1
                segments = list(segment_documents([doc], settings.unit))
                dets = detect(segments, settings.detect, aliases)
                if settings.names.candidates:  # candidates ride on the spans; never applied
                    dets = attach_candidates(dets, load_resolver(settings.names),
                                             settings.names.top_k)
                items: list[Detection | Proposal] = list(dets)
                if mode == "run":
                    items = _propose_with_memory(items, settings, aliases, memory)
                for item in items:
                    rec = _record(item)
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    summary.segments += 1
                    summary.flagged += rec["flagged"]
                    summary.categories.update({s["category"] for s in rec["spans"]})
                    if isinstance(item, Proposal):
                        summary.changed += item.changed
                        summary.sources[item.source] += 1
                        if getattr(item, "check", ""):
                            summary.checks[item.check.split(":")[0]] += 1
                if queue is not None:
                    texts = [s.text for s in segments]
                    context = {
                        s.id: (
                            texts[i - 1] if i else "",
                            texts[i + 1] if i + 1 < len(texts) else "",
                        )
                        for i, s in enumerate(segments)
                    }
                    summary.queued_new += queue.add(items, aliases.digest, context, doc.path)  # type: ignore[arg-type]
                    # a name with candidates needs a reviewer even where no proposal changes it
                    named = [p for p in items if isinstance(p, Proposal) and not p.changed
                             and any(s.candidates for s in p.detection.spans)]
                    if named:
                        summary.queued_new += queue.add(named, aliases.digest, context,
                                                        doc.path, include_unchanged=True)
        os.replace(tmp, out)
    finally:
        if queue is not None:
            queue.close()
        if tmp.exists():
            tmp.unlink()
    save_settings(
        settings,
        out.with_name(out.name + ".config.yaml"),
        extra={"alias_digest": aliases.digest, "mode": mode},
    )
    summary.seconds = time.perf_counter() - t0
    log.info("%s: %d segments, %d flagged", out, summary.segments, summary.flagged)
    return summary

"""Batch jobs on this machine: input files through detect (and rewrite, queue) into JSONL.

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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import AliasTable
from repair.config import Settings, load_aliases
from repair.detect import Detection, detect
from repair.errors import ConfigError, OutputError
from repair.jobs.progress import Meter, Progress, count_documents, job_key
from repair.names import load_resolver
from repair.names.review import attach_candidates
from repair.review import Queue
from repair.review.memory import Memory
from repair.rewrite import Proposal, propose
from repair.rewrite.model import with_learned_patterns
from repair.text import Document, Segment, read_documents, segment_documents
from repair.text.guard import hold_output
from repair.text.outputs import check_output, same_file, write_receipt

__all__ = ["JobSummary", "run_job", "check_job", "write_batch", "document_batches",
           "process_segments"]

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
        if item.check:
            rec["check"] = item.check
        if item.replacements:  # the deterministic repairs, with their evidence
            rec["replacements"] = [dataclasses.asdict(m) for m in item.replacements]
        if item.spans:
            rec["span_repairs"] = [dataclasses.asdict(e) for e in item.spans]
    return rec


def document_batches(inputs: Iterable[str | Path], unit: str, max_segments: int,
             skip: int = 0) -> Iterator[list[tuple[Document, list[Segment]]]]:
    """Whole documents with their segments (after the first ``skip``), grouped until
    ``max_segments`` segments, so the detector and the rewriter see batches of useful size
    while memory stays bounded."""
    batch: list[tuple[Document, list[Segment]]] = []
    n = 0
    for k, doc in enumerate(read_documents(inputs)):
        if k < skip:
            continue
        segs = list(segment_documents([doc], unit))
        batch.append((doc, segs))
        n += len(segs)
        if n >= max_segments:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _count(summary: JobSummary, item: Detection | Proposal, fh) -> None:
    """Write one record and count it."""
    rec = _record(item)
    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    summary.segments += 1
    summary.flagged += rec["flagged"]
    summary.categories.update({s["category"] for s in rec["spans"]})
    if isinstance(item, Proposal):
        summary.changed += item.changed
        if item.detection.flagged:
            summary.sources[item.source] += 1
        if item.check:
            summary.checks[item.check.split(":")[0]] += 1
        summary.checks.update(f"span {e.check}" for e in item.spans
                              if e.check and e.check != "keep")


def run_job(
    inputs: Iterable[str | Path],
    out: str | Path,
    settings: Settings,
    *,
    mode: str = "run",
    extra_aliases: Sequence[str | Path] = (),
    batch_segments: int = 256,
    resume: bool = False,
    workers: int = 1,
) -> JobSummary:
    """Run ``detect`` or ``run`` (detect + propose + queue) over input files into ``out``.

    Documents are processed in batches of about ``batch_segments`` segments, by ``workers``
    processes (output order unchanged). With ``resume``, a job that was killed continues from
    what it had committed (output and queue) and gives the same output as an uninterrupted run.
    """
    check_job(mode, settings)
    if workers < 1 or batch_segments < 1:
        raise ConfigError("--workers and --batch-segments must be at least 1")
    t0 = time.perf_counter()
    inputs = list(inputs)
    if mode == "run" and settings.queue.path and same_file(out, settings.queue.path):
        raise OutputError("--out is the review queue; write the output to another file", out)
    out = check_output(out, inputs, sidecars=(".partial", ".partial.progress", ".config.yaml"))
    with hold_output(out, f"repair {mode}"):  # one writer per output
        return _run_locked(inputs, out, settings, mode, extra_aliases, batch_segments, resume,
                           workers, t0)


def _run_locked(inputs, out, settings, mode, extra_aliases, batch_segments, resume, workers,
                t0) -> JobSummary:
    settings = with_learned_patterns(settings)
    aliases = load_aliases(settings, extra_aliases)
    tmp = out.with_name(out.name + ".partial")
    progress = Progress(tmp, job_key(settings, inputs, mode, aliases, batch_segments))
    summary = JobSummary(mode=mode, output=str(out))
    done = progress.restore(summary) if resume else 0
    if not resume:
        progress.clear()
    queue = (
        Queue.from_settings(settings.queue)
        if (mode == "run" and settings.queue.path)
        else None
    )
    # Memory of past decisions: reviewers' accepted text for sentences seen before.
    memory = Memory.from_queue(queue) if queue is not None else None
    state = (mode, settings, aliases, memory)
    try:
        try:
            fh = tmp.open("r+" if done else "w", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write the output ({exc.strerror}); choose a writable "
                              "path", out) from exc
        with fh:
            if done:
                fh.truncate(progress.bytes)
                fh.seek(progress.bytes)
            batches = document_batches(inputs, settings.unit, batch_segments, skip=done)
            meter = Meter(summary, count_documents(inputs))
            for batch, items in _processed(batches, state, workers):
                write_batch(batch, items, fh, summary, queue, aliases, settings)
                progress.save(fh, summary)
                meter.update(len(batch))
            meter.close()
        os.replace(tmp, out)
    finally:
        if queue is not None:
            queue.close()
        # an exception or a signal removes the partial output; only a SIGKILL (or a crash of
        # the machine) leaves it, with its progress file, for --resume
        if tmp.exists():
            tmp.unlink()
        progress.clear()
    write_receipt(out, settings, extra={"alias_digest": aliases.digest, "mode": mode},
                  command=mode)
    summary.seconds = time.perf_counter() - t0
    log.info("%s: %d segments, %d flagged", out, summary.segments, summary.flagged)
    return summary


def write_batch(batch: list[tuple[Document, list[Segment]]], items: list, fh,
                summary: JobSummary, queue: Queue | None, aliases: AliasTable,
                settings: Settings) -> None:
    """Write one processed batch (records in input order), count it, queue it by document."""
    pos = 0
    for doc, segs in batch:
        doc_items, pos = items[pos : pos + len(segs)], pos + len(segs)
        summary.documents += 1
        for item in doc_items:
            _count(summary, item, fh)
        if queue is not None:
            summary.queued_new += _queue(queue, doc_items, aliases, doc, settings)


def check_job(mode: str, settings: Settings) -> None:
    """Refuse a job that cannot run as asked."""
    if mode not in ("detect", "run"):
        raise ValueError(f"mode must be 'detect' or 'run', not {mode!r}")
    if settings.queue.all and not (mode == "run" and settings.queue.path):
        raise ConfigError("--queue-all needs a review queue: pass --queue PATH")


def _queue(queue: Queue, items: list[Proposal], aliases: AliasTable, doc: Document,
           settings: Settings) -> int:
    """Queue one document's proposals; returns how many items were new."""
    n = queue.add(items, aliases.digest, doc.path, include_all=settings.queue.all)
    # a name with candidates needs a reviewer even where no proposal changes it
    named = [p for p in items if not p.changed and any(s.candidates for s in p.detection.spans)]
    if named:
        n += queue.add(named, aliases.digest, doc.path, include_unchanged=True)
    return n


def process_segments(state, segments: list[Segment]) -> list[Detection | Proposal]:
    """Detect (and in ``run`` mode propose for) one batch of segments; ``state`` is
    ``(mode, settings, aliases, memory)``, what each worker process or Ray actor holds."""
    mode, settings, aliases, memory = state
    dets = detect(segments, settings.detect, aliases)
    if settings.names.candidates:  # candidates ride on the spans; never applied
        dets = attach_candidates(dets, load_resolver(settings.names), settings.names.top_k)
    if mode == "run":
        return list(propose(dets, settings.rewrite, aliases, memory))
    return list(dets)


_WORKER_STATE: tuple | None = None


def _worker_init(state) -> None:
    global _WORKER_STATE
    import torch

    torch.set_num_threads(1)  # one process per core does the parallel work
    _WORKER_STATE = state


def _worker(segments: list[Segment]) -> list[Detection | Proposal]:
    assert _WORKER_STATE is not None
    return process_segments(_WORKER_STATE, segments)


def _processed(batches, state, workers: int):
    """``(batch, items)`` in input order; with several workers, batches are processed in
    worker processes, at most two per worker in flight (memory stays bounded)."""
    if workers == 1:
        for batch in batches:
            yield batch, process_segments(state, [s for _, segs in batch for s in segs])
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")  # torch and fork do not mix
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                             initargs=(state,)) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append((batch, pool.submit(_worker, [s for _, segs in batch for s in segs])))
            if len(pending) >= 2 * workers:
                done_batch, fut = pending.popleft()
                yield done_batch, fut.result()
        while pending:
            done_batch, fut = pending.popleft()
            yield done_batch, fut.result()



"""Batch jobs on this machine: input files through detect (and rewrite, queue) into JSONL.

Memory is bounded by the largest single document, not by the input: documents are read,
processed and written one at a time. The output is written to a temporary file beside the
target and renamed at the end, so a failed or killed job leaves no half-written output; queue
items are committed document by document, so a killed job loses none it had recorded.
"""

from __future__ import annotations

import itertools
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
from repair.detect import Detection
from repair.errors import ConfigError, OutputError
from repair.jobs.progress import Meter, Progress, count_documents, job_key
from repair.pipeline import Pipeline
from repair.review import Queue
from repair.review.memory import Memory
from repair.rewrite import Proposal
from repair.text import Document, Segment, read_documents, segment_documents
from repair.text.guard import hold_output
from repair.text.outputs import check_output, same_file, write_receipt
from repair.text.timing import timed

__all__ = ["JobSetup", "JobSummary", "run_job", "set_up_job", "write_batch", "document_batches"]

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
        with timed("job: segmenting"):
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
    rec = item.to_record()
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


@dataclass
class JobSetup:
    """What both engines set up before a job: the checked output and its ``.partial``, the
    pipeline (with its memory of past decisions), the queue, and an empty summary."""

    inputs: list
    out: Path
    tmp: Path
    settings: Settings  # with the rewriter's learned patterns
    aliases: AliasTable
    pipeline: Pipeline
    queue: Queue | None
    summary: JobSummary

    def close(self) -> None:
        """Close the queue and remove the partial output (after an error or a signal; a
        finished job has renamed it)."""
        if self.queue is not None:
            self.queue.close()
        if self.tmp.exists():
            self.tmp.unlink()

    def save_settings(self, **extra: object) -> None:
        """The resolved settings beside the output (``<out>.config.yaml``), with the receipt
        by which the tool recognises the output as its own."""
        write_receipt(self.out, self.settings,
                      extra={"alias_digest": self.aliases.digest, "mode": self.summary.mode,
                             **extra}, command=self.summary.mode)


def set_up_job(inputs: Iterable[str | Path], out: str | Path, settings: Settings, mode: str,
               extra_aliases: Sequence[str | Path], sidecars: tuple[str, ...]) -> JobSetup:
    """Check the job and its output, then open what it needs (alias tables, queue, memory)."""
    if mode not in ("detect", "run"):
        raise ValueError(f"mode must be 'detect' or 'run', not {mode!r}")
    queue_path = settings.queue.path if mode == "run" else None
    if settings.queue.all and not queue_path:
        raise ConfigError("--queue-all needs a review queue: pass --queue PATH")
    inputs = list(inputs)
    if queue_path and same_file(out, queue_path):
        raise OutputError("--out is the review queue; write the output to another file", out)
    out = check_output(out, inputs, sidecars=sidecars)
    aliases = load_aliases(settings, extra_aliases)
    queue = Queue.from_settings(settings.queue) if queue_path else None
    # Memory of past decisions: reviewers' accepted text for sentences seen before.
    memory = Memory.from_queue(queue) if queue is not None else None
    pipeline = Pipeline.from_settings(settings, aliases, proposals=mode == "run", memory=memory)
    return JobSetup(inputs, out, out.with_name(out.name + ".partial"), pipeline.settings,
                    aliases, pipeline, queue, JobSummary(mode=mode, output=str(out)))


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
    if workers < 1 or batch_segments < 1:
        raise ConfigError("--workers and --batch-segments must be at least 1")
    t0 = time.perf_counter()
    job = set_up_job(inputs, out, settings, mode, extra_aliases,
                     (".partial", ".partial.progress", ".config.yaml"))
    summary = job.summary
    try:
        lock = hold_output(job.out, f"repair {mode}")  # one writer per output
    except BaseException:
        if job.queue is not None:  # the partial output is the other job's: leave it
            job.queue.close()
        raise
    progress = Progress(job.tmp, job_key(job.settings, job.inputs, mode, job.aliases,
                                         batch_segments))
    try:
        done = progress.restore(summary) if resume else 0
    except BaseException:  # a partial output of another job: refused, and left as it is
        if job.queue is not None:
            job.queue.close()
        lock.release()
        raise
    if not resume:
        progress.clear()
    try:
        try:
            fh = job.tmp.open("r+" if done else "w", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write the output ({exc.strerror}); choose a writable "
                              "path", job.out) from exc
        with fh:
            if done:
                fh.truncate(progress.bytes)
                fh.seek(progress.bytes)
            batches = document_batches(job.inputs, job.settings.unit, batch_segments, skip=done)
            meter = Meter(summary, count_documents(job.inputs))
            for batch, items in _processed(batches, job.pipeline, workers):
                write_batch(batch, items, fh, summary, job.queue, job.aliases, job.settings)
                progress.save(fh, summary)
                meter.update(len(batch))
            meter.close()
        os.replace(job.tmp, job.out)
    finally:
        # an exception or a signal removes the partial output; only a SIGKILL (or a crash of
        # the machine) leaves it, with its progress file, for --resume
        job.close()
        progress.clear()
        lock.release()
    job.save_settings()
    summary.seconds = time.perf_counter() - t0
    log.info("%s: %d segments, %d flagged", job.out, summary.segments, summary.flagged)
    return summary


def write_batch(batch: list[tuple[Document, list[Segment]]], items: list, fh,
                summary: JobSummary, queue: Queue | None, aliases: AliasTable,
                settings: Settings) -> None:
    """Write one processed batch (records in input order), count it, queue it by document."""
    pos = 0
    for doc, segs in batch:
        doc_items, pos = items[pos : pos + len(segs)], pos + len(segs)
        summary.documents += 1
        with timed("job: writing"):
            for item in doc_items:
                _count(summary, item, fh)
        if queue is not None:
            with timed("job: queue"):
                summary.queued_new += _queue(queue, doc_items, aliases, doc, settings)


def _queue(queue: Queue, items: list[Proposal], aliases: AliasTable, doc: Document,
           settings: Settings) -> int:
    """Queue one document's proposals; returns how many items were new."""
    n = queue.add(items, aliases.digest, doc.path, include_all=settings.queue.all)
    # a name with candidates needs a reviewer even where no proposal changes it
    named = [p for p in items if not p.changed and any(s.candidates for s in p.detection.spans)]
    if named:
        n += queue.add(named, aliases.digest, doc.path, include_unchanged=True)
    return n


def worker_count(workers: int) -> int:
    """``workers`` processes, 0 meaning one per core this process may run on."""
    if workers < 0:
        raise ConfigError(f"workers must be 0 (one per core) or more, not {workers}")
    if workers:
        return workers
    if hasattr(os, "sched_getaffinity"):  # the cores this process may use (taskset, cgroups)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_PIPELINE: Pipeline | None = None  # a worker process's pipeline, loaded once


def _worker_init(pipeline: Pipeline | None = None) -> None:
    global _PIPELINE
    import sys

    if "torch" in sys.modules:  # the NumPy rewriter runs on one BLAS thread already
        sys.modules["torch"].set_num_threads(1)  # one process per core does the parallel work
    if pipeline is not None:
        _PIPELINE = pipeline
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the job's process dies (SIGKILL included): a forked
    worker holds copies of the parent's pipes, so it would otherwise wait for work forever."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def _worker(segments: list[Segment]) -> list[Detection] | list[Proposal]:
    assert _PIPELINE is not None
    return _PIPELINE.process(segments)


def _pool_context(pipeline: Pipeline) -> tuple[object, tuple]:
    """The worker processes' start method, and what their initializer is given.

    Forked workers share the parent's loaded tables and models (copy-on-write) and start in
    milliseconds; a spawned worker unpickles the whole pipeline and imports every package
    first (about a second each, issue #26). Torch does not survive a fork (its thread pools),
    so a job that loaded it (``--device cuda``, the torch rewriter) spawns.
    """
    import multiprocessing
    import sys

    if "torch" not in sys.modules and "fork" in multiprocessing.get_all_start_methods():
        global _PIPELINE
        _PIPELINE = pipeline  # inherited by the forked workers; nothing is pickled
        return multiprocessing.get_context("fork"), ()
    return multiprocessing.get_context("spawn"), (pipeline,)


def _processed(batches, pipeline: Pipeline, workers: int):
    """``(batch, items)`` in input order; with several workers, batches are processed in
    worker processes, at most two per worker in flight (memory stays bounded)."""
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if workers == 1 or len(head) < 2:  # a job of one batch is not worth a worker process
        for batch in itertools.chain(head, batches):
            yield batch, pipeline.process([s for _, segs in batch for s in segs])
        return
    batches = itertools.chain(head, batches)
    import gc
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    ctx, initargs = _pool_context(pipeline)
    # The parent's objects out of the collector's reach while workers are forked from it: a
    # worker's first full collection would otherwise write to (so copy) every page of the
    # tables it shares, about 1.5 s a job on the 5,000-sentence bench (measured).
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=initargs) as pool:
            pending: deque = deque()
            for batch in batches:
                pending.append((batch, pool.submit(_worker,
                                                   [s for _, segs in batch for s in segs])))
                if len(pending) >= 2 * workers:
                    done_batch, fut = pending.popleft()
                    yield done_batch, fut.result()
            while pending:
                done_batch, fut = pending.popleft()
                yield done_batch, fut.result()
    finally:
        gc.unfreeze()  # the parent's own garbage is collected again after the job
        global _PIPELINE
        _PIPELINE = None  # the parent does not keep a finished job's pipeline alive

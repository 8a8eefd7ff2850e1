"""The batch job on Ray Data: the same output as :func:`repair.jobs.run_job`, on one machine
or a cluster.

Input files are read as a dataset of batches of whole documents (grouped as the local engine
groups them, so every model call sees the same batch); detection and proposals run as one
``map_batches`` stage of actors, each loading the detector and the rewriter once (CPU, or a
GPU per actor with ``gpus_per_actor``); the driver writes the output in input order (Ray
Data's ``preserve_order``) and is the only writer of the review queue. Memory stays bounded by
Ray Data's streaming execution. Point it at a cluster with ``address`` (``ray.init(address=
...)``); the cluster's nodes need this package and its models (``pip install vi-repair[ray]``
and the model directories at the same paths).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from repair.config import Settings
from repair.errors import RepairError
from repair.jobs.local import JobSummary, document_batches, set_up_job, write_batch
from repair.text import input_files
from repair.text.guard import hold_output

__all__ = ["run_job_ray"]

log = logging.getLogger(__name__)


class _Stage:
    """A Ray actor: the pipeline over one batch of documents; models are loaded once."""

    def __init__(self, pipeline: bytes):
        self.pipeline = pickle.loads(pipeline)

    def __call__(self, batch: dict) -> dict:
        results = []
        for blob in batch["batch"]:
            docs = pickle.loads(blob)
            items = self.pipeline.process([s for _, segs in docs for s in segs])
            results.append(pickle.dumps((docs, items)))
        return {"result": results}


def _read(row: dict) -> list[dict]:
    """The input files as batches of whole documents, grouped exactly as the local engine
    groups them, so every model call sees the same batch and the output is the same."""
    return [{"batch": pickle.dumps(b)}
            for b in document_batches(list(row["files"]), row["unit"], int(row["batch_segments"]))]


def run_job_ray(
    inputs: Iterable[str | Path],
    out: str | Path,
    settings: Settings,
    *,
    mode: str = "run",
    extra_aliases: Sequence[str | Path] = (),
    batch_segments: int = 256,
    actors: int | None = None,
    gpus_per_actor: float = 0.0,
    address: str | None = None,
) -> JobSummary:
    """Run ``detect`` or ``run`` over input files into ``out`` on Ray Data (a local instance,
    or the cluster at ``address``); same records, order and queue as the local engine."""
    import ray

    t0 = time.perf_counter()
    job = set_up_job(inputs, out, settings, mode, extra_aliases, (".partial", ".config.yaml"))
    summary = job.summary
    files = [str(p) for p in input_files(job.inputs)]
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    ctx.raise_original_map_exception = True  # bad input: the file:line error, not Ray's wrapper
    # one CPU stays free for reading: actors holding every CPU would starve the read tasks
    n_actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)) - 1)
    source = {"files": files, "unit": job.settings.unit, "batch_segments": batch_segments}
    ds = ray.data.from_items([source]).flat_map(_read)
    ds = ds.map_batches(_Stage, fn_constructor_args=(pickle.dumps(job.pipeline),), batch_size=1,
                        compute=ray.data.ActorPoolStrategy(size=n_actors), num_cpus=1,
                        num_gpus=gpus_per_actor, batch_format="numpy")
    lock = hold_output(job.out, f"repair {mode} --engine ray")  # one writer per output
    try:
        with job.tmp.open("w", encoding="utf-8") as fh:
            for row in ds.iter_rows():
                write_batch(*pickle.loads(row["result"]), fh, summary, job.queue, job.aliases,
                            job.settings)
        os.replace(job.tmp, job.out)
    except ray.exceptions.RayError as exc:
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, RepairError):
            cause = getattr(cause, "cause", None) or cause.__cause__
        if cause is not None:
            raise cause from None
        raise
    finally:
        job.close()
        lock.release()
    job.save_settings(engine="ray")
    summary.seconds = time.perf_counter() - t0
    log.info("%s: %d segments on Ray (%d actors)", job.out, summary.segments, n_actors)
    return summary


"""Batch jobs: ``repair detect`` and ``repair run`` over files, streamed in batches of whole
documents, on this machine (``local``: one process or worker processes, resumable) or on Ray
Data (``ray_engine``: a local instance or a cluster), with the same output."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from repair.config import Settings
from repair.errors import ConfigError
from repair.jobs.local import JobSummary, run_job, worker_count, write_batch
from repair.jobs.ray_engine import run_job_ray

__all__ = ["ENGINES", "JobSummary", "run", "run_job", "run_job_ray", "worker_count",
           "write_batch"]

ENGINES = ("local", "ray")


def run(
    inputs: Iterable[str | Path], out: str | Path, settings: Settings, *, mode: str = "run",
    engine: str = "local", extra_aliases: Sequence[str | Path] = (), resume: bool = False,
    workers: int | None = None, batch_segments: int = 256, address: str | None = None,
) -> JobSummary:
    """A ``detect`` or ``run`` job on ``engine``: ``local`` (``workers`` processes, default the
    settings' ``workers``, ``resume``) or ``ray`` (the Ray cluster at ``address``, a local
    instance by default)."""
    if engine not in ENGINES:
        raise ConfigError("--engine must be 'local' or 'ray'")
    if engine == "ray":
        if resume:
            raise ConfigError("--resume works with the local engine only")
        return run_job_ray(inputs, out, settings, mode=mode, extra_aliases=extra_aliases,
                           address=address)
    return run_job(inputs, out, settings, mode=mode, extra_aliases=extra_aliases,
                   resume=resume, batch_segments=batch_segments,
                   workers=worker_count(settings.workers if workers is None else workers))

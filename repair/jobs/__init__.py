"""Batch jobs: ``repair detect`` and ``repair run`` over files, streamed in batches of whole
documents, on this machine (``local``: one process or worker processes, resumable) or on Ray
Data (``ray_engine``: a local instance or a cluster), with the same output."""

from repair.jobs.local import JobSummary, check_job, run_job, write_batch
from repair.jobs.ray_engine import run_job_ray

__all__ = ["JobSummary", "check_job", "run_job", "run_job_ray", "write_batch"]

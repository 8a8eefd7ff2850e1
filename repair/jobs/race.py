"""``repair queue race`` with ``--items``: a new queue filled by a real batch job, then raced
over by reviewers (``repair.review.race``); it runs whole jobs, so it lives beside them."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from repair.config import Settings
from repair.errors import QueueError
from repair.jobs.local import run_job
from repair.review.queue import Queue
from repair.review.race import RaceResult, problems, race

__all__ = ["RaceReport", "fill", "race_report"]


def fill(location: str, n: int, settings: Settings) -> int:
    """Put ``n`` items in the (new) queue at ``location``: one sentence each, every one with
    a known alias variant, through the real batch job under the run ``settings``; how many
    were queued."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "race.jsonl"
        lines = [
            {"id": f"s{i:05d}", "text": f"Thủ tướng Ruan Chunfu phát biểu tại phiên họp số {i}."}
            for i in range(n)
        ]
        src.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8"
        )
        s = replace(settings, unit="sentence", queue=replace(settings.queue, path=location))
        return run_job([src], Path(tmp) / "race.out.jsonl", s).queued_new



@dataclass(frozen=True)
class RaceReport:
    result: RaceResult
    items: int  # in the queue after the race
    problems: list[str]  # empty when every item was decided exactly once
    filled: int = 0  # items put in a new queue first
    fill_seconds: float = 0.0


def race_report(location: str, reviewers: int, think_s: float, settings: Settings,
                fill_items: int = 0) -> RaceReport:
    """Fill a new queue with ``fill_items`` items first (under the run ``settings``), race
    ``reviewers`` over it and check that every item was decided exactly once."""
    filled, fill_seconds = 0, 0.0
    if fill_items:
        with Queue.from_settings(settings.queue, location) as q:
            if q.items():
                raise QueueError("--items fills a new queue; this one has items", q.location)
        t0 = time.perf_counter()
        filled = fill(location, fill_items, settings)
        fill_seconds = time.perf_counter() - t0
    result = race(location, reviewers, think_s)
    with Queue.from_settings(settings.queue, location) as q:
        return RaceReport(result, len(q.items()), problems(q, result), filled, fill_seconds)

"""Several reviewer processes on one queue at once: does each item get decided exactly once?

``race`` starts ``reviewers`` processes (``python -m repair.review.race worker ...``) that
claim and decide until the queue is empty, and returns what each was told it decided;
``problems`` compares that with what the queue stored. ``repair queue race`` prints the
figures; the concurrency test asserts on them.

Each worker skips every third item the first time it sees it (the item stays pending, and may
go to another reviewer) and accepts it the next time; the others it accepts or rejects.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from repair.review.queue import Queue

__all__ = ["RaceResult", "race", "problems"]


@dataclass(frozen=True)
class RaceResult:
    seconds: float
    decided: dict[str, list[tuple[int, int, str]]]  # reviewer -> (item, decision, action)

    @property
    def per_reviewer(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.decided.items()}


def _worker(location: str, reviewer: str, barrier: Path, n: int, think_s: float) -> None:
    (barrier / reviewer).touch()
    deadline = time.time() + 120
    while len(list(barrier.iterdir())) < n and time.time() < deadline:
        time.sleep(0.005)
    decided, skipped = [], set()
    with Queue(location, busy_timeout_ms=120_000) as q:
        while (item := q.claim(reviewer)) is not None:
            if think_s:
                time.sleep(think_s)
            action = ("accept", "reject", "skip")[item.id % 3]
            if action == "skip" and item.id not in skipped:
                q.decide(item.id, "skip", reviewer)
                skipped.add(item.id)
                continue
            action = "accept" if action == "skip" else action
            d = q.decide(item.id, action, reviewer, force=True)
            decided.append([item.id, d.id, action])
    print(json.dumps(decided))


def race(location: str, reviewers: int = 4, think_s: float = 0.0) -> RaceResult:
    """Run ``reviewers`` processes on the queue at ``location`` until it is empty."""
    names = [f"reviewer{i + 1}" for i in range(reviewers)]
    with tempfile.TemporaryDirectory() as barrier:
        t0 = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "repair.review.race", "worker", location, name, barrier,
                 str(reviewers), str(think_s)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for name in names
        ]
        decided = {}
        for name, p in zip(names, procs, strict=True):
            out, err = p.communicate(timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"reviewer process {name} failed:\n{err}")
            decided[name] = [tuple(r) for r in json.loads(out)]
        seconds = time.perf_counter() - t0
    return RaceResult(seconds, decided)


def problems(q: Queue, result: RaceResult) -> list[str]:
    """What is wrong with the queue after a race: [] when every item was decided exactly
    once and every decision a reviewer was told was stored is stored, as told."""
    out = []
    items = q.items()
    decisions = q.decisions()
    final = [d for d in decisions if d.action in ("accept", "reject")]
    pending = [it.id for it in items if it.status == "pending"]
    if pending:
        out.append(f"{len(pending)} items left pending")
    twice = [i for i, n in Counter(d.item_id for d in final).items() if n > 1]
    if twice:
        out.append(f"{len(twice)} items decided more than once")
    told = sorted(r for rows in result.decided.values() for r in rows)
    stored = sorted((d.item_id, d.id, d.action) for d in final)
    if told != stored:
        out.append(f"reviewers were told of {len(told)} decisions, the queue holds {len(stored)}")
    return out


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker(sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))

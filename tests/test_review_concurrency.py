"""Two reviewer processes on one SQLite queue: every item decided once, no decision lost."""

import json
import subprocess
import sys
import time
from collections import Counter

from repair.review import Queue

from .review_support import synthetic_queue

WORKER = r"""
import json, sys, time
from repair.review.queue import Queue

from pathlib import Path

path, reviewer, barrier = sys.argv[1], sys.argv[2], Path(sys.argv[3])
# start together: announce readiness, wait until both reviewers are ready
(barrier / reviewer).touch()
deadline = time.time() + 60
while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
    time.sleep(0.005)
decided, skipped = [], set()
with Queue(path, busy_timeout_ms=60_000) as q:
    while (item := q.claim(reviewer)) is not None:
        time.sleep(0.002)  # reading time: keeps both reviewers busy at once
        action = ("accept", "reject", "skip")[item.id % 3]
        if action == "skip" and item.id not in skipped:
            # a skip keeps the item pending (it may go to the other reviewer); whoever gets
            # it after their own skip accepts it
            q.decide(item.id, "skip", reviewer)
            skipped.add(item.id)
            continue
        action = "accept" if action == "skip" else action
        d = q.decide(item.id, action, reviewer, force=True)
        decided.append([item.id, d.id, action])
print(json.dumps(decided))
"""


def test_two_reviewer_processes_decide_every_item_exactly_once(tmp_path, settings):
    n = 120
    db = synthetic_queue(tmp_path, settings, n)
    barrier = tmp_path / "ready"
    barrier.mkdir()
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), name, str(barrier)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("an", "binh")
    ]
    results = {}
    for name, p in zip(("an", "binh"), procs, strict=True):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results[name] = json.loads(out)
    elapsed = time.perf_counter() - t0
    split = {k: len(v) for k, v in results.items()}
    print(f"two reviewers, {n} items: {elapsed:.2f} s, decided per reviewer {split}")

    reported = [(item, dec, act) for rows in results.values() for item, dec, act in rows]
    assert all(results.values()), "both reviewers should have decided some items"
    with Queue(db) as q:
        items = q.items()
        decisions = q.decisions()
    assert len(items) == n
    assert all(it.status in ("accepted", "rejected") for it in items)
    final = [d for d in decisions if d.action in ("accept", "reject")]
    # every item decided exactly once ...
    assert Counter(d.item_id for d in final) == Counter({it.id: 1 for it in items})
    # ... and every decision a reviewer was told was stored, is stored, as told
    assert sorted((d.item_id, d.id, d.action) for d in final) == sorted(
        tuple(r) for r in reported
    )
    skipped = {d.item_id for d in decisions if d.action == "skip"}
    assert skipped == {it.id for it in items if it.id % 3 == 2}

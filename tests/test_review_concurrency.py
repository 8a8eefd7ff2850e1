"""Four reviewer processes on one queue, on each back end: every item decided exactly once,
no decision lost."""

from collections import Counter

from repair.review import Queue
from repair.review.race import race

from .review_support import synthetic_queue


def test_four_reviewer_processes_decide_every_item_exactly_once(tmp_path, settings, new_queue):
    n = 120
    db = synthetic_queue(tmp_path, settings, n, new_queue)
    result = race(db, reviewers=4, think_s=0.002)  # reading time keeps all four busy at once
    print(f"4 reviewers, {n} items: {result.seconds:.2f} s, per reviewer {result.per_reviewer}")

    reported = [r for rows in result.decided.values() for r in rows]
    assert sum(1 for rows in result.decided.values() if rows) >= 2, "reviewers took turns"
    with Queue(db) as q:
        items = q.items()
        decisions = q.decisions()
    assert len(items) == n
    assert all(it.status in ("accepted", "rejected") for it in items)
    final = [d for d in decisions if d.action in ("accept", "reject")]
    # every item decided exactly once ...
    assert Counter(d.item_id for d in final) == Counter({it.id: 1 for it in items})
    # ... and every decision a reviewer was told was stored, is stored, as told
    assert sorted((d.item_id, d.id, d.action) for d in final) == sorted(reported)
    skipped = {d.item_id for d in decisions if d.action == "skip"}
    assert skipped == {it.id for it in items if it.id % 3 == 2}

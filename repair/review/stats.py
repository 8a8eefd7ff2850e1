"""Effort figures: per item (time to decide, HTER-style word edits) and per reviewer."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from repair.review.diff import hter, ter_edits
from repair.review.queue import STATUS_OF, Queue, effective

__all__ = ["ItemEffort", "ReviewerEffort", "QueueStats", "queue_stats"]


@dataclass(frozen=True)
class ItemEffort:
    item_id: int
    doc_id: str
    reviewer: str
    action: str
    seconds: float | None  # from claim to decision; None when decided without a claim
    word_edits: int  # proposal -> final text (a moved block: one shift)
    hter: float
    forced: bool


@dataclass
class ReviewerEffort:
    reviewer: str
    # decisions in force (an undone accept is not an accept), plus the undos themselves
    actions: Counter = field(default_factory=Counter)
    undone: int = 0  # decisions later cancelled by an undo
    seconds: list[float] = field(default_factory=list)
    hter: list[float] = field(default_factory=list)
    forced: int = 0

    @property
    def decided(self) -> int:
        return len(self.hter)

    @property
    def median_seconds(self) -> float | None:
        return round(statistics.median(self.seconds), 2) if self.seconds else None

    @property
    def mean_hter(self) -> float | None:
        return round(statistics.fmean(self.hter), 4) if self.hter else None

    def to_dict(self) -> dict:
        return {
            "reviewer": self.reviewer,
            "decided": self.decided,
            "actions": dict(self.actions),
            "undone": self.undone,
            "median_seconds": self.median_seconds,
            "mean_hter": self.mean_hter,
            "forced": self.forced,
        }


@dataclass
class QueueStats:
    status: dict[str, int]
    documents: dict[str, dict[str, int]]  # doc id -> {"done": n, "left": n}
    reviewers: dict[str, ReviewerEffort]
    items: list[ItemEffort]

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "documents": self.documents,
            "reviewers": {k: v.to_dict() for k, v in self.reviewers.items()},
            "items": [i.__dict__ for i in self.items],
        }


def queue_stats(queue: Queue) -> QueueStats:
    """Progress per document and effort per item and reviewer over a whole queue.

    Each decided item counts once, by its decision in force: accepts and rejects have no
    word edits (HTER 0), edits their word-level distance from the proposal."""
    items = queue.items()
    docs: dict[str, dict[str, int]] = defaultdict(lambda: {"done": 0, "left": 0})
    reviewers: dict[str, ReviewerEffort] = {}
    efforts: list[ItemEffort] = []
    for it in items:
        in_force = {d.id for d in effective(it.history)}
        for d in it.history:
            r = reviewers.setdefault(d.reviewer, ReviewerEffort(d.reviewer))
            if d.action == "undo" or d.id in in_force:
                r.actions[d.action] += 1
            else:
                r.undone += 1
    for it in items:
        docs[it.doc_id]["left" if it.status == "pending" else "done"] += 1
        live = [d for d in effective(it.history) if d.action in (*STATUS_OF, "reject")]
        if not live:
            continue
        d = live[-1]
        final = d.final_text if d.final_text is not None else it.proposal
        edits = ter_edits(it.proposal, final) if d.action == "edit" else 0
        h = hter(it.proposal, final) if d.action == "edit" else 0.0
        efforts.append(
            ItemEffort(it.id, it.doc_id, d.reviewer, d.action, d.seconds, edits, h, d.forced)
        )
        r = reviewers.setdefault(d.reviewer, ReviewerEffort(d.reviewer))
        r.hter.append(h)
        r.forced += d.forced
        if d.seconds is not None:
            r.seconds.append(d.seconds)
    return QueueStats(queue.counts(), dict(docs), reviewers, efforts)

"""Review stage: the queue of proposals, reviewers' decisions, the QA gate and effort figures.

``queue`` holds items and the append-only decision history; ``qa`` the gate every accepted
text passes; ``diff`` word-level diffs and HTER; ``stats`` effort per item and reviewer;
the reviewer notebook is a front end of its own (``repair.notebook``).
"""

from repair.review.qa import QAReport, check
from repair.review.queue import (
    ACTIONS,
    Decision,
    Item,
    Queue,
    QueueSettings,
    enqueue,
)

__all__ = [
    "ACTIONS",
    "Decision",
    "Item",
    "Queue",
    "QueueSettings",
    "QAReport",
    "check",
    "enqueue",
]

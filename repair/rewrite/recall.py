"""Proposals from the memory of past decisions: a reviewer's text for a sentence seen before.

The memory itself lives with the review stage (``repair.review.memory``), which builds it from a
queue's accepted and edited items; here it is any object with a ``lookup(text)``. A flagged
sentence the memory knows is never sent to the rewriter: the reviewer's text replaces whatever
it would say. Each sentence is looked up once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from repair.detect.base import Detection
from repair.rewrite.base import Proposal, edit_ratio

__all__ = ["Recall", "Recalled", "propose_with_memory"]

log = logging.getLogger(__name__)


class Recalled(Protocol):
    """A memory match: the reviewer's text carried over to the sentence, and how it matched."""

    @property
    def text(self) -> str: ...

    @property
    def kind(self) -> str: ...  # exact, normalised, fuzzy

    @property
    def item_id(self) -> int: ...  # the queue item whose decision is reused


class Recall(Protocol):
    def lookup(self, text: str) -> Recalled | None: ...


def propose_with_memory(
    dets: list[Detection], memory: Recall, propose_rest: Callable[[list[Detection]], Iterable],
    unchanged_model: Callable[[], str],
) -> Iterator[Proposal]:
    """One proposal per detection, in order: from memory where a flagged sentence is known,
    from ``propose_rest`` (called once, on the other detections) everywhere else."""
    recalled: dict[int, Recalled] = {}
    for i, det in enumerate(dets):
        if det.flagged and (match := memory.lookup(det.segment.text)) is not None:
            recalled[i] = match
    rest = iter(propose_rest([d for i, d in enumerate(dets) if i not in recalled]))
    for i, det in enumerate(dets):
        match = recalled.get(i)
        text = det.segment.text
        if match is None:
            yield next(rest)
        elif match.text == text:
            yield Proposal(det, text, "unchanged", unchanged_model(), 0.0, False)
        else:
            log.info("%s: %s memory match with item %s", det.segment.id, match.kind,
                     match.item_id)
            yield Proposal(det, match.text, "memory", f"memory:{match.item_id}",
                           edit_ratio(text, match.text), match.kind == "fuzzy")

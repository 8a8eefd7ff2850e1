"""The review queue: proposals awaiting a reviewer's decision, and every decision ever made.

One interface, two back ends chosen by where the queue lives (``repair.review.backends``): an
SQLite file in WAL mode (the default: readers and a writer work at once on one machine) or a
PostgreSQL database given as ``postgresql://user@host/db`` (reviewers on several machines).
Items are keyed by (segment id, text, proposal): re-running a job does not duplicate them.
Decisions are a separate append-only table (a trigger refuses updates and deletes); ``undo``
appends a decision that cancels an earlier one. An item's ``status`` column is a cache of its
effective history, updated in the same transaction as each decision.

Two reviewers never get the same item: ``claim`` hands out one pending item at a time, under
SQLite's write lock or PostgreSQL's ``FOR UPDATE SKIP LOCKED`` row lock, with a claim that
expires after ``claim_ttl_s``; a decision on an item claimed by someone else, or already
decided, is refused (on PostgreSQL the item's row is locked while the decision is checked).

This module opens queues and adds items; ``operations`` claims, decides and undoes, ``reading``
reads, ``records`` holds the values, ``schema`` the tables and ``backends`` the two databases.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repair.aliases import AliasTable
from repair.errors import QueueError
from repair.review.backends import Backend, open_backend
from repair.review.operations import QueueOperations
from repair.review.records import (
    ACTIONS,
    ORDERS,
    STATUS_OF,
    Decision,
    Item,
    categories_column,
    effective,
    item_key,
)
from repair.rewrite.base import Proposal

__all__ = [
    "QueueSettings",
    "Queue",
    "Item",
    "Decision",
    "enqueue",
    "effective",
    "ACTIONS",
    "STATUS_OF",
    "ORDERS",
]

log = logging.getLogger(__name__)

_ADD_COLUMNS = (
    "key", "segment_id", "doc_id", "text", "proposal", "context_before", "context_after",
    "score", "spans", "source", "model", "alias_digest", "created_at", "doc_path", "start",
    "end", "categories",
)  # fmt: skip


@dataclass(frozen=True)
class QueueSettings:
    path: str | None = None  # SQLite file or postgresql:// URL; None = no queue
    busy_timeout_ms: int = 30_000
    claim_ttl_s: float = 900.0  # a claimed item returns to the pool after this long
    all: bool = False  # queue every segment, not only changed proposals (`run --queue-all`)


class Queue(QueueOperations):
    """A review queue (SQLite file or PostgreSQL URL): add proposals, claim items, decide."""

    def __init__(
        self,
        path: str | Path,
        busy_timeout_ms: int = 30_000,
        *,
        aliases: AliasTable | None = None,
        claim_ttl_s: float = 900.0,
        must_exist: bool = False,
    ):
        self.backend: Backend = open_backend(path, busy_timeout_ms, must_exist)
        self.location = self.backend.location
        self.aliases = aliases if aliases is not None else AliasTable()
        self.claim_ttl_s = claim_ttl_s

    @classmethod
    def from_settings(
        cls, settings: QueueSettings, path: str | Path | None = None, *,
        aliases: AliasTable | None = None, must_exist: bool = False,
    ) -> Queue:
        """The queue at ``path`` (default: ``settings.path``) under the configured timeouts:
        the one way the command line and the jobs open a queue."""
        location = path if path is not None else settings.path
        if location is None:
            raise QueueError("no review queue: pass --queue PATH or set queue.path")
        return cls(location, settings.busy_timeout_ms, aliases=aliases,
                   claim_ttl_s=settings.claim_ttl_s, must_exist=must_exist)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a PostgreSQL queue."""
        return getattr(self.backend, "path", None)

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ adding

    def add(
        self,
        proposals: Iterable[Proposal],
        alias_digest: str,
        doc_path: str | Path = "",
        include_unchanged: bool = False,
        include_all: bool = False,
    ) -> int:
        """Insert proposals that change their text (with ``include_unchanged``, also flagged
        segments whose proposal leaves them as they are, for a reviewer to fix by hand; with
        ``include_all``, every segment, so reviewers can fix what the detector missed);
        returns how many were new.

        A proposal that comes from the memory of past decisions is not queued again for a
        segment whose text already has a decided item.
        """
        rows = []
        now = self.backend.now()
        for p in proposals:
            flagged_only = include_unchanged and p.detection.flagged
            if not (p.changed or flagged_only or include_all):
                continue
            seg = p.detection.segment
            if p.source == "memory" and self._decided_segment(seg.id, seg.text):
                continue
            spans = [s.to_dict() for s in p.detection.spans]
            rows.append(
                (
                    item_key(seg.id, seg.text, p.text),
                    seg.id,
                    seg.doc_id,
                    seg.text,
                    p.text,
                    seg.before,
                    seg.after,
                    p.detection.score,
                    json.dumps(spans, ensure_ascii=False),
                    p.source,
                    p.model,
                    alias_digest,
                    now,
                    str(Path(doc_path).resolve()) if doc_path else "",
                    seg.start,
                    seg.end,
                    categories_column(spans),
                )
            )
        if not rows:
            return 0
        with self.backend.transaction():
            # known items are left out before inserting: an ignored insert would still use
            # up an id (SQLite's AUTOINCREMENT, PostgreSQL's sequence), and a resumed job must
            # give the ids of an uninterrupted one
            marks = ",".join("?" * len(rows))
            known = {r["key"] for r in self.backend.execute(
                f"SELECT key FROM items WHERE key IN ({marks})", [r[0] for r in rows])}
            rows = [r for r in rows if r[0] not in known]
            if not rows:
                return 0
            return self.backend.insert_ignoring_duplicates("items", _ADD_COLUMNS, rows)

    def _decided_segment(self, segment_id: str, text: str) -> bool:
        return bool(self._execute(
            "SELECT 1 AS one FROM items WHERE segment_id=? AND text=? AND status != 'pending' "
            "LIMIT 1",
            (segment_id, text),
        ))


def enqueue(proposals: Iterable[Proposal], settings: QueueSettings, alias_digest: str) -> int:
    """Record every proposal that differs from its text as a pending item; idempotent."""
    if settings.path is None:
        return 0
    with Queue.from_settings(settings) as q:
        return q.add(proposals, alias_digest)

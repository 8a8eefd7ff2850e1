"""Review stage: the queue of proposals awaiting a reviewer's decision.

SQLite in WAL mode, so readers (a reviewer notebook) and a writer (a batch job) can work at
once. Items are keyed by (segment id, text, proposal): re-running a job does not duplicate
them. Decisions are a separate append-only table; nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repair.errors import QueueError
from repair.rewrite import Proposal

__all__ = ["QueueSettings", "Queue", "enqueue"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT NOT NULL UNIQUE,
    segment_id    TEXT NOT NULL,
    doc_id        TEXT NOT NULL,
    text          TEXT NOT NULL,
    proposal      TEXT NOT NULL,
    context_before TEXT NOT NULL DEFAULT '',
    context_after TEXT NOT NULL DEFAULT '',
    score         REAL NOT NULL,
    spans         TEXT NOT NULL,
    source        TEXT NOT NULL,
    model         TEXT NOT NULL,
    alias_digest  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    created_at    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_status ON items(status);
CREATE TABLE IF NOT EXISTS decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items(id),
    action     TEXT NOT NULL,
    final_text TEXT,
    reviewer   TEXT NOT NULL,
    comment    TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_item ON decisions(item_id);
"""


@dataclass(frozen=True)
class QueueSettings:
    path: str | None = None  # SQLite file; None = no queue
    busy_timeout_ms: int = 30_000


def _key(segment_id: str, text: str, proposal: str) -> str:
    return hashlib.sha256("\x1f".join((segment_id, text, proposal)).encode()).hexdigest()


class Queue:
    """A review queue in one SQLite file."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 30_000):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                self.path, timeout=busy_timeout_ms / 1000, isolation_level=None
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise QueueError(
                f"cannot open review queue ({exc}); is it an SQLite file?", path
            ) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(
        self,
        proposals: Iterable[Proposal],
        alias_digest: str,
        context: dict[str, tuple[str, str]] | None = None,
    ) -> int:
        """Insert proposals that change their text; returns how many were new."""
        rows = []
        now = time.time()
        for p in proposals:
            if not p.changed:
                continue
            seg = p.detection.segment
            before, after = (context or {}).get(seg.id, ("", ""))
            spans = json.dumps([s.to_dict() for s in p.detection.spans], ensure_ascii=False)
            rows.append(
                (
                    _key(seg.id, seg.text, p.text),
                    seg.id,
                    seg.doc_id,
                    seg.text,
                    p.text,
                    before,
                    after,
                    p.detection.score,
                    spans,
                    p.source,
                    p.model,
                    alias_digest,
                    now,
                )
            )
        if not rows:
            return 0
        with self._transaction():
            before_count = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO items (key, segment_id, doc_id, text, proposal, "
                "context_before, context_after, score, spans, source, model, alias_digest, "
                "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            return self.db.total_changes - before_count

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM items GROUP BY status"))

    def _transaction(self):
        db = self.db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, *_):
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()


def enqueue(proposals: Iterable[Proposal], settings: QueueSettings, alias_digest: str) -> int:
    """Record every proposal that differs from its text as a pending item; idempotent."""
    if settings.path is None:
        return 0
    with Queue(settings.path, settings.busy_timeout_ms) as q:
        return q.add(proposals, alias_digest)

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
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repair.aliases import AliasTable
from repair.errors import QueueError
from repair.review.backends import Backend, open_backend
from repair.review.qa import QAReport, check
from repair.review.reading import QueueReader
from repair.review.records import (
    ACTIONS,
    ORDERS,
    STATUS_OF,
    Decision,
    Item,
    Proposed,
    categories_column,
    decision_from_row,
    effective,
    item_key,
    status_of,
)

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


class Queue(QueueReader):
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
        proposals: Iterable[Proposed],
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

    # ------------------------------------------------------------------ claiming

    def claim(
        self,
        reviewer: str,
        *,
        order: str = "score",
        min_score: float = 0.0,
        max_score: float = 1.0,
        category: str | None = None,
        threshold: float = 0.5,
    ) -> Item | None:
        """Claim the next pending item for ``reviewer`` and return it (None when none is left).

        A reviewer who already holds a live claim gets that item back. Items the reviewer
        skipped come last. ``order``: ``score`` (highest first), ``uncertainty`` (closest to
        the detector threshold first) or ``document`` (document and sentence order).
        """
        _check_reviewer(reviewer)
        if order not in ORDERS:
            raise QueueError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
        order_sql = {
            "score": "i.score DESC, i.id",
            "uncertainty": f"ABS(i.score - {float(threshold)!r}) ASC, i.id",
            "document": "i.doc_id, COALESCE(i.start, -1), i.id",
        }[order]
        where = ["i.status = 'pending'", "i.score >= ?", "i.score <= ?"]
        args: list[Any] = [min_score, max_score]
        if category:
            where.append("i.categories LIKE ?")
            args.append(f"%,{category},%")
        with self.backend.transaction():
            now = self.backend.now()
            held = self._execute(
                "SELECT id FROM items i WHERE status='pending' AND claimed_by=? AND "
                f"claim_expires > ? ORDER BY claimed_at DESC LIMIT 1{self.backend.claim_lock}",
                (reviewer, now),
            )
            if held:
                item_id = held[0]["id"]
            else:
                rows = self._execute(
                    f"""SELECT i.id,
                        EXISTS(SELECT 1 FROM decisions d WHERE d.item_id = i.id
                               AND d.reviewer = ? AND d.action = 'skip') AS skipped
                    FROM items i
                    WHERE {" AND ".join(where)}
                      AND (i.claimed_by IS NULL OR i.claim_expires <= ? OR i.claimed_by = ?)
                    ORDER BY skipped, {order_sql} LIMIT 1{self.backend.claim_lock}""",
                    [reviewer, *args, now, reviewer],
                )
                if not rows:
                    return None
                item_id = rows[0]["id"]
            self._execute(
                "UPDATE items SET claimed_by=?, claimed_at=?, claim_expires=? WHERE id=?",
                (reviewer, now, now + self.claim_ttl_s, item_id),
            )
        return self.get(item_id)

    def release(self, item_id: int, reviewer: str) -> None:
        """Give up a claim without deciding."""
        with self.backend.transaction():
            self._execute(
                "UPDATE items SET claimed_by=NULL, claimed_at=NULL, claim_expires=NULL "
                "WHERE id=? AND claimed_by=?",
                (item_id, reviewer),
            )

    # ------------------------------------------------------------------ deciding

    def qa(self, item: Item, final_text: str | None = None) -> QAReport:
        """The QA gate's report on ``final_text`` (default: the proposal) for ``item``."""
        return check(item.text, item.proposal if final_text is None else final_text, self.aliases)

    def decide(
        self,
        item_id: int,
        action: str,
        reviewer: str,
        *,
        final_text: str | None = None,
        comment: str | None = None,
        force: bool = False,
    ) -> Decision:
        """Record ``accept``, ``reject``, ``edit`` (with ``final_text``) or ``skip``.

        Refused with ``QueueError`` when the item is already decided, claimed by another
        reviewer, or (accept/edit) fails the QA gate without ``force``.
        """
        _check_reviewer(reviewer)
        if action not in ("accept", "reject", "edit", "skip"):
            raise QueueError(
                f"unknown action {action!r}; use accept, reject, edit or skip (undo has its "
                "own command)"
            )
        if action == "edit":
            if final_text is None or not final_text.strip():
                raise QueueError(f"item {item_id}: edit needs the final text (--text)")
        elif final_text is not None:
            raise QueueError(f"item {item_id}: only 'edit' takes a final text")
        with self.backend.transaction():
            self.backend.lock_item(item_id)
            now = self.backend.now()
            item = self.get(item_id)
            if item.status != "pending":
                by = item.decided_by
                who = f" by {by.reviewer}" if by else ""
                raise QueueError(
                    f"item {item_id} is already {item.status}{who}; "
                    "`repair review undo` it first to change the decision",
                    self.location,
                )
            if (
                item.claimed_by not in (None, reviewer)
                and item.claim_expires is not None
                and item.claim_expires > now
            ):
                raise QueueError(
                    f"item {item_id} is being reviewed by {item.claimed_by} (claim expires in "
                    f"{item.claim_expires - now:.0f} s); take another with `repair review next`",
                    self.location,
                )
            text = None
            issues: tuple[str, ...] = ()
            if action in ("accept", "edit"):
                from repair.text import nfc

                text = item.proposal if action == "accept" else final_text
                if action == "edit" and text is not None and text != nfc(text):
                    log.info("item %s: edit normalised to NFC", item_id)
                    text = nfc(text)
                report = self.qa(item, text)
                issues = report.messages
                if not report.ok and not force:
                    raise QueueError(
                        f"item {item_id} fails the QA gate: {'; '.join(issues)}. Fix the text "
                        "with an edit, or accept anyway with --force (recorded as forced)",
                        self.location,
                    )
            seconds = None
            if item.claimed_by == reviewer and item.claimed_at is not None:
                seconds = round(now - item.claimed_at, 3)
            decision_id = self.backend.insert(
                "INSERT INTO decisions (item_id, action, final_text, reviewer, comment, "
                "created_at, forced, qa, seconds) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    item_id,
                    action,
                    text,
                    reviewer,
                    comment,
                    now,
                    int(bool(force and issues)),
                    json.dumps(list(issues), ensure_ascii=False),
                    seconds,
                ),
            )
            self._refresh(item_id)
        return self._decision_by_id(decision_id)

    def undo(
        self, reviewer: str, item_id: int | None = None, comment: str | None = None
    ) -> Decision:
        """Cancel ``reviewer``'s last decision still in force (on ``item_id``, if given) by
        appending an ``undo``; the item becomes pending again, claimed by the reviewer."""
        _check_reviewer(reviewer)
        with self.backend.transaction():
            target = self._undo_target(reviewer, item_id)
            # The target is read before its item is locked: read it again under the lock, in
            # case a concurrent undo by the same reviewer took it meanwhile.
            while target is not None:
                self.backend.lock_item(target.item_id)
                again = self._undo_target(reviewer, item_id)
                if again is None or again.id == target.id:
                    target = again
                    break
                target = again
            if target is None:
                where = f" on item {item_id}" if item_id is not None else ""
                raise QueueError(f"{reviewer} has no decision to undo{where}", self.location)
            later = self._execute(
                "SELECT reviewer FROM decisions WHERE item_id=? AND id > ? AND action != 'undo' "
                "AND action != 'skip' ORDER BY id DESC",
                (target.item_id, target.id),
            )
            if any(r["reviewer"] != reviewer for r in later):
                raise QueueError(
                    f"item {target.item_id} was decided again by {later[0]['reviewer']} after "
                    f"{reviewer}'s decision; ask them to undo theirs first",
                    self.location,
                )
            now = self.backend.now()
            decision_id = self.backend.insert(
                "INSERT INTO decisions (item_id, action, reviewer, comment, created_at, undoes) "
                "VALUES (?,?,?,?,?,?)",
                (target.item_id, "undo", reviewer, comment, now, target.id),
            )
            self._refresh(target.item_id)
            self._execute(
                "UPDATE items SET claimed_by=?, claimed_at=?, claim_expires=? WHERE id=? "
                "AND status='pending'",
                (reviewer, now, now + self.claim_ttl_s, target.item_id),
            )
        return self._decision_by_id(decision_id)

    def _undo_target(self, reviewer: str, item_id: int | None) -> Decision | None:
        sql = (
            "SELECT * FROM decisions d WHERE reviewer=? AND action != 'undo' AND NOT EXISTS "
            "(SELECT 1 FROM decisions u WHERE u.action='undo' AND u.undoes = d.id)"
        )
        args: list[Any] = [reviewer]
        if item_id is not None:
            sql += " AND item_id=?"
            args.append(item_id)
        rows = self._execute(sql + " ORDER BY id DESC LIMIT 1", args)
        return decision_from_row(rows[0]) if rows else None

    def _refresh(self, item_id: int) -> None:
        history = self._decisions([item_id])[item_id]
        self._execute(
            "UPDATE items SET status=?, claimed_by=NULL, claimed_at=NULL, claim_expires=NULL "
            "WHERE id=?",
            (status_of(history), item_id),
        )

    def _decision_by_id(self, decision_id: int) -> Decision:
        rows = self._execute("SELECT * FROM decisions WHERE id=?", (decision_id,))
        return decision_from_row(rows[0])


def _check_reviewer(reviewer: str) -> None:
    if not reviewer or not reviewer.strip():
        raise QueueError("a reviewer name is required (--reviewer NAME)")


def enqueue(proposals: Iterable[Proposed], settings: QueueSettings, alias_digest: str) -> int:
    """Record every proposal that differs from its text as a pending item; idempotent."""
    if settings.path is None:
        return 0
    with Queue.from_settings(settings) as q:
        return q.add(proposals, alias_digest)

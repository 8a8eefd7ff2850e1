"""The review queue: proposals awaiting a reviewer's decision, and every decision ever made.

SQLite in WAL mode, so readers (a reviewer notebook) and a writer (a batch job) can work at
once. Items are keyed by (segment id, text, proposal): re-running a job does not duplicate
them. Decisions are a separate append-only table; nothing is ever deleted: ``undo`` appends
a decision that cancels an earlier one. An item's ``status`` column is a cache of its
effective history, updated in the same transaction as each decision.

Two reviewers never get the same item: ``claim`` hands out one pending item at a time under a
write lock (``BEGIN IMMEDIATE``), with a claim that expires after ``claim_ttl_s``; a decision
on an item claimed by someone else, or already decided, is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repair.aliases import AliasTable
from repair.errors import QueueError
from repair.review.qa import QAReport, check

__all__ = [
    "QueueSettings",
    "Queue",
    "Item",
    "Decision",
    "enqueue",
    "ACTIONS",
    "STATUS_OF",
    "ORDERS",
]

log = logging.getLogger(__name__)

ACTIONS = ("accept", "reject", "edit", "skip", "undo")
STATUS_OF = {"accept": "accepted", "reject": "rejected", "edit": "edited"}
ORDERS = ("score", "uncertainty", "document")

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
CREATE TABLE IF NOT EXISTS decisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items(id),
    action     TEXT NOT NULL,
    final_text TEXT,
    reviewer   TEXT NOT NULL,
    comment    TEXT,
    created_at REAL NOT NULL
);
"""

# Columns added after the first release; old queue files are upgraded in place.
ITEM_COLUMNS = {
    "doc_path": "TEXT NOT NULL DEFAULT ''",
    "start": "INTEGER",
    "end": "INTEGER",
    "categories": "TEXT NOT NULL DEFAULT ''",  # ",alias,date," for filtering
    "claimed_by": "TEXT",
    "claimed_at": "REAL",
    "claim_expires": "REAL",
}
DECISION_COLUMNS = {
    "undoes": "INTEGER",  # for action 'undo': the decision it cancels
    "forced": "INTEGER NOT NULL DEFAULT 0",  # accepted although the QA gate failed
    "qa": "TEXT NOT NULL DEFAULT '[]'",  # QA issues of the final text, as JSON
    "seconds": "REAL",  # time from claim to decision
}
INDEXES = """
CREATE INDEX IF NOT EXISTS items_status ON items(status);
CREATE INDEX IF NOT EXISTS items_segment ON items(segment_id, text);
CREATE INDEX IF NOT EXISTS decisions_item ON decisions(item_id);
"""


@dataclass(frozen=True)
class QueueSettings:
    path: str | None = None  # SQLite file; None = no queue
    busy_timeout_ms: int = 30_000
    claim_ttl_s: float = 900.0  # a claimed item returns to the pool after this long
    all: bool = False  # queue every segment, not only changed proposals (`run --queue-all`)


@dataclass(frozen=True)
class Decision:
    id: int
    item_id: int
    action: str
    final_text: str | None
    reviewer: str
    comment: str | None
    created_at: float
    undoes: int | None = None
    forced: bool = False
    qa: tuple[str, ...] = ()
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "qa": list(self.qa)}


@dataclass(frozen=True)
class Item:
    id: int
    segment_id: str
    doc_id: str
    doc_path: str
    start: int | None
    end: int | None
    text: str
    proposal: str
    context_before: str
    context_after: str
    score: float
    spans: tuple[dict, ...]
    source: str
    model: str
    alias_digest: str
    status: str
    created_at: float
    claimed_by: str | None = None
    claimed_at: float | None = None
    claim_expires: float | None = None
    history: tuple[Decision, ...] = field(default=())

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({s["category"] for s in self.spans}))

    @property
    def final_text(self) -> str | None:
        """The text a reviewer settled on: the proposal if accepted, their text if edited."""
        live = effective(self.history)
        for d in reversed(live):
            if d.action in STATUS_OF:
                return d.final_text
        return None

    @property
    def decided_by(self) -> Decision | None:
        live = [d for d in effective(self.history) if d.action in STATUS_OF]
        return live[-1] if live else None

    def to_dict(self, with_history: bool = True) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "history"}
        d["spans"] = list(self.spans)
        d["categories"] = list(self.categories)
        d["final_text"] = self.final_text
        if with_history:
            d["history"] = [h.to_dict() for h in self.history]
        return d


def effective(history: Iterable[Decision]) -> list[Decision]:
    """The decisions still in force: not undos, and not cancelled by an undo."""
    history = list(history)
    undone = {d.undoes for d in history if d.action == "undo"}
    return [d for d in history if d.action != "undo" and d.id not in undone]


def _status(history: Iterable[Decision]) -> str:
    for d in reversed(effective(history)):
        if d.action in STATUS_OF:
            return STATUS_OF[d.action]
    return "pending"


def _key(segment_id: str, text: str, proposal: str) -> str:
    return hashlib.sha256("\x1f".join((segment_id, text, proposal)).encode()).hexdigest()


def _categories(spans: Iterable[dict]) -> str:
    cats = sorted({s["category"] for s in spans})
    return "," + ",".join(cats) + "," if cats else ""


class Queue:
    """A review queue in one SQLite file: add proposals, claim items, record decisions."""

    def __init__(
        self,
        path: str | Path,
        busy_timeout_ms: int = 30_000,
        *,
        aliases: AliasTable | None = None,
        claim_ttl_s: float = 900.0,
        must_exist: bool = False,
    ):
        self.path = Path(path)
        if must_exist and not self.path.is_file():
            raise QueueError(
                "no review queue here; create one with `repair run INPUT... --queue PATH`", path
            )
        self.aliases = aliases if aliases is not None else AliasTable()
        self.claim_ttl_s = claim_ttl_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                self.path, timeout=busy_timeout_ms / 1000, isolation_level=None
            )
            self.db.row_factory = sqlite3.Row
            self.db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            with self._transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self._upgrade()
                for statement in INDEXES.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise QueueError(
                f"cannot open review queue ({exc}); is it an SQLite file written by "
                "`repair run --queue`?",
                path,
            ) from exc

    # ------------------------------------------------------------------ plumbing

    def _upgrade(self) -> None:
        for table, columns in (("items", ITEM_COLUMNS), ("decisions", DECISION_COLUMNS)):
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for name, decl in columns.items():
                if name not in have:
                    self.db.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {decl}')
        rows = self.db.execute(
            "SELECT id, spans FROM items WHERE categories = '' AND spans != '[]'"
        ).fetchall()
        for r in rows:
            self.db.execute(
                "UPDATE items SET categories=? WHERE id=?",
                (_categories(json.loads(r["spans"])), r["id"]),
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front, so two
        processes cannot both read an item as free and then both claim it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ adding

    def add(
        self,
        proposals: Iterable[Any],
        alias_digest: str,
        context: dict[str, tuple[str, str]] | None = None,
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
        now = time.time()
        for p in proposals:
            flagged_only = include_unchanged and p.detection.flagged
            if not (getattr(p, "changed", False) or flagged_only or include_all):
                continue
            seg = p.detection.segment
            if p.source == "memory" and self._decided_segment(seg.id, seg.text):
                continue
            before, after = (context or {}).get(seg.id, ("", ""))
            spans = [s.to_dict() for s in p.detection.spans]
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
                    json.dumps(spans, ensure_ascii=False),
                    p.source,
                    p.model,
                    alias_digest,
                    now,
                    str(Path(doc_path).resolve()) if doc_path else "",
                    seg.start,
                    seg.end,
                    _categories(spans),
                )
            )
        if not rows:
            return 0
        with self._transaction():
            # known items are left out before inserting: an ignored insert would still use
            # up an id, and a resumed job must give the ids of an uninterrupted one
            marks = ",".join("?" * len(rows))
            known = {k for (k,) in self.db.execute(
                f"SELECT key FROM items WHERE key IN ({marks})", [r[0] for r in rows])}
            rows = [r for r in rows if r[0] not in known]
            before_count = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO items (key, segment_id, doc_id, text, proposal, "
                "context_before, context_after, score, spans, source, model, alias_digest, "
                'created_at, doc_path, start, "end", categories) '
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            return self.db.total_changes - before_count

    def _decided_segment(self, segment_id: str, text: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM items WHERE segment_id=? AND text=? AND status != 'pending' LIMIT 1",
            (segment_id, text),
        ).fetchone()
        return row is not None

    # ------------------------------------------------------------------ reading

    def _decisions(self, item_ids: Iterable[int]) -> dict[int, list[Decision]]:
        ids = list(item_ids)
        out: dict[int, list[Decision]] = {i: [] for i in ids}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for r in self.db.execute(
                f"SELECT * FROM decisions WHERE item_id IN ({marks}) ORDER BY id", part
            ):
                out[r["item_id"]].append(_decision(r))
        return out

    def get(self, item_id: int) -> Item:
        """One item with its full decision history; ``QueueError`` if there is none."""
        row = self.db.execute("SELECT * FROM items WHERE id=?", (item_id,)).fetchone()
        if row is None:
            raise QueueError(
                f"no item {item_id} in this queue; list items with `repair review stats`",
                self.path,
            )
        return _item(row, self._decisions([item_id])[item_id])

    def items(self, status: str | Iterable[str] | None = None) -> list[Item]:
        """All items (optionally with the given statuses), with their histories, by id."""
        if isinstance(status, str):
            status = [status]
        if status is None:
            rows = self.db.execute("SELECT * FROM items ORDER BY id").fetchall()
        else:
            st = list(status)
            rows = self.db.execute(
                f"SELECT * FROM items WHERE status IN ({','.join('?' * len(st))}) ORDER BY id",
                st,
            ).fetchall()
        hist = self._decisions(r["id"] for r in rows)
        return [_item(r, hist[r["id"]]) for r in rows]

    def decisions(self) -> list[Decision]:
        return [_decision(r) for r in self.db.execute("SELECT * FROM decisions ORDER BY id")]

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT status, COUNT(*) FROM items GROUP BY status"
        )}

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
        now = time.time()
        order_sql = {
            "score": "i.score DESC, i.id",
            "uncertainty": f"ABS(i.score - {float(threshold)!r}) ASC, i.id",
            "document": "i.doc_id, i.start, i.id",
        }[order]
        where = ["i.status = 'pending'", "i.score >= ?", "i.score <= ?"]
        args: list[Any] = [min_score, max_score]
        if category:
            where.append("i.categories LIKE ?")
            args.append(f"%,{category},%")
        with self._transaction():
            held = self.db.execute(
                "SELECT id FROM items WHERE status='pending' AND claimed_by=? AND "
                "claim_expires > ? ORDER BY claimed_at DESC LIMIT 1",
                (reviewer, now),
            ).fetchone()
            if held is not None:
                item_id = held["id"]
            else:
                row = self.db.execute(
                    f"""SELECT i.id,
                        EXISTS(SELECT 1 FROM decisions d WHERE d.item_id = i.id
                               AND d.reviewer = ? AND d.action = 'skip') AS skipped
                    FROM items i
                    WHERE {" AND ".join(where)}
                      AND (i.claimed_by IS NULL OR i.claim_expires <= ? OR i.claimed_by = ?)
                    ORDER BY skipped, {order_sql} LIMIT 1""",
                    [reviewer, *args, now, reviewer],
                ).fetchone()
                if row is None:
                    return None
                item_id = row["id"]
            self.db.execute(
                "UPDATE items SET claimed_by=?, claimed_at=?, claim_expires=? WHERE id=?",
                (reviewer, now, now + self.claim_ttl_s, item_id),
            )
        return self.get(item_id)

    def release(self, item_id: int, reviewer: str) -> None:
        """Give up a claim without deciding."""
        with self._transaction():
            self.db.execute(
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
        now = time.time()
        with self._transaction():
            item = self.get(item_id)
            if item.status != "pending":
                by = item.decided_by
                who = f" by {by.reviewer}" if by else ""
                raise QueueError(
                    f"item {item_id} is already {item.status}{who}; "
                    "`repair review undo` it first to change the decision",
                    self.path,
                )
            if (
                item.claimed_by not in (None, reviewer)
                and item.claim_expires is not None
                and item.claim_expires > now
            ):
                raise QueueError(
                    f"item {item_id} is being reviewed by {item.claimed_by} (claim expires in "
                    f"{item.claim_expires - now:.0f} s); take another with `repair review next`",
                    self.path,
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
                        self.path,
                    )
            seconds = None
            if item.claimed_by == reviewer and item.claimed_at is not None:
                seconds = round(now - item.claimed_at, 3)
            cur = self.db.execute(
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
            decision_id = cur.lastrowid
        return self._decision_by_id(decision_id)

    def undo(
        self, reviewer: str, item_id: int | None = None, comment: str | None = None
    ) -> Decision:
        """Cancel ``reviewer``'s last decision still in force (on ``item_id``, if given) by
        appending an ``undo``; the item becomes pending again, claimed by the reviewer."""
        _check_reviewer(reviewer)
        now = time.time()
        with self._transaction():
            undone = {
                r[0]
                for r in self.db.execute(
                    "SELECT undoes FROM decisions WHERE action='undo' AND undoes IS NOT NULL"
                )
            }
            sql = "SELECT * FROM decisions WHERE reviewer=? AND action != 'undo'"
            args: list[Any] = [reviewer]
            if item_id is not None:
                sql += " AND item_id=?"
                args.append(item_id)
            target = next(
                (
                    _decision(r)
                    for r in self.db.execute(sql + " ORDER BY id DESC", args)
                    if r["id"] not in undone
                ),
                None,
            )
            if target is None:
                where = f" on item {item_id}" if item_id is not None else ""
                raise QueueError(f"{reviewer} has no decision to undo{where}", self.path)
            later = self.db.execute(
                "SELECT reviewer FROM decisions WHERE item_id=? AND id > ? AND action != 'undo' "
                "AND action != 'skip' ORDER BY id DESC",
                (target.item_id, target.id),
            ).fetchall()
            if any(r["reviewer"] != reviewer for r in later):
                raise QueueError(
                    f"item {target.item_id} was decided again by {later[0]['reviewer']} after "
                    f"{reviewer}'s decision; ask them to undo theirs first",
                    self.path,
                )
            cur = self.db.execute(
                "INSERT INTO decisions (item_id, action, reviewer, comment, created_at, undoes) "
                "VALUES (?,?,?,?,?,?)",
                (target.item_id, "undo", reviewer, comment, now, target.id),
            )
            self._refresh(target.item_id)
            self.db.execute(
                "UPDATE items SET claimed_by=?, claimed_at=?, claim_expires=? WHERE id=? "
                "AND status='pending'",
                (reviewer, now, now + self.claim_ttl_s, target.item_id),
            )
            decision_id = cur.lastrowid
        return self._decision_by_id(decision_id)

    def _refresh(self, item_id: int) -> None:
        history = self._decisions([item_id])[item_id]
        self.db.execute(
            "UPDATE items SET status=?, claimed_by=NULL, claimed_at=NULL, claim_expires=NULL "
            "WHERE id=?",
            (_status(history), item_id),
        )

    def _decision_by_id(self, decision_id: int | None) -> Decision:
        row = self.db.execute("SELECT * FROM decisions WHERE id=?", (decision_id,)).fetchone()
        return _decision(row)


def _check_reviewer(reviewer: str) -> None:
    if not reviewer or not reviewer.strip():
        raise QueueError("a reviewer name is required (--reviewer NAME)")


def _decision(r: sqlite3.Row) -> Decision:
    return Decision(
        id=r["id"],
        item_id=r["item_id"],
        action=r["action"],
        final_text=r["final_text"],
        reviewer=r["reviewer"],
        comment=r["comment"],
        created_at=r["created_at"],
        undoes=r["undoes"],
        forced=bool(r["forced"]),
        qa=tuple(json.loads(r["qa"] or "[]")),
        seconds=r["seconds"],
    )


def _item(r: sqlite3.Row, history: list[Decision]) -> Item:
    return Item(
        id=r["id"],
        segment_id=r["segment_id"],
        doc_id=r["doc_id"],
        doc_path=r["doc_path"],
        start=r["start"],
        end=r["end"],
        text=r["text"],
        proposal=r["proposal"],
        context_before=r["context_before"],
        context_after=r["context_after"],
        score=r["score"],
        spans=tuple(json.loads(r["spans"])),
        source=r["source"],
        model=r["model"],
        alias_digest=r["alias_digest"],
        status=r["status"],
        created_at=r["created_at"],
        claimed_by=r["claimed_by"],
        claimed_at=r["claimed_at"],
        claim_expires=r["claim_expires"],
        history=tuple(history),
    )


def enqueue(proposals: Iterable[Any], settings: QueueSettings, alias_digest: str) -> int:
    """Record every proposal that differs from its text as a pending item; idempotent."""
    if settings.path is None:
        return 0
    with Queue(settings.path, settings.busy_timeout_ms) as q:
        return q.add(proposals, alias_digest)

"""Deciding on a queue's items: claims that keep two reviewers off one item, decisions that
pass the QA gate, and undo. ``decisions`` is append-only: every change of mind is a new row, and
an item's ``status`` is refreshed from its history in the same transaction."""

from __future__ import annotations

import json
import logging
from typing import Any

from repair.aliases import AliasTable
from repair.errors import QueueError
from repair.review.qa import QAReport, check
from repair.review.reading import QueueReader
from repair.review.records import ORDERS, Decision, Item, decision_from_row, status_of

__all__ = ["QueueOperations"]

log = logging.getLogger(__name__)


class QueueOperations(QueueReader):
    """The deciding side of :class:`repair.review.queue.Queue`."""

    aliases: AliasTable
    claim_ttl_s: float

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

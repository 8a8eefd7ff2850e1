"""Reading a queue: items with their histories, decisions, and counts (no locks taken)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from repair.errors import QueueError
from repair.review.backends import Backend
from repair.review.records import Decision, Item, decision_from_row, item_from_row

__all__ = ["QueueReader"]


class QueueReader:
    """The read side of :class:`repair.review.queue.Queue`."""

    backend: Backend
    location: str

    def _execute(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        return self.backend.execute(sql, list(args))

    def _decisions(self, item_ids: Iterable[int]) -> dict[int, list[Decision]]:
        ids = list(item_ids)
        out: dict[int, list[Decision]] = {i: [] for i in ids}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for r in self._execute(
                f"SELECT * FROM decisions WHERE item_id IN ({marks}) ORDER BY id", part
            ):
                out[r["item_id"]].append(decision_from_row(r))
        return out

    def get(self, item_id: int) -> Item:
        """One item with its full decision history; ``QueueError`` if there is none."""
        rows = self._execute("SELECT * FROM items WHERE id=?", (item_id,))
        if not rows:
            raise QueueError(
                f"no item {item_id} in this queue; list items with `repair review list`",
                self.location,
            )
        return item_from_row(rows[0], self._decisions([item_id])[item_id])

    def items(self, status: str | Iterable[str] | None = None) -> list[Item]:
        """All items (optionally with the given statuses), with their histories, by id."""
        if isinstance(status, str):
            status = [status]
        if status is None:
            rows = self._execute("SELECT * FROM items ORDER BY id")
        else:
            st = list(status)
            rows = self._execute(
                f"SELECT * FROM items WHERE status IN ({','.join('?' * len(st))}) ORDER BY id",
                st,
            )
        hist = self._decisions(r["id"] for r in rows)
        return [item_from_row(r, hist[r["id"]]) for r in rows]

    def decisions(self) -> list[Decision]:
        return [decision_from_row(r) for r in self._execute("SELECT * FROM decisions ORDER BY id")]

    def counts(self) -> dict[str, int]:
        rows = self._execute("SELECT status, COUNT(*) AS n FROM items GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    def document_counts(self) -> dict[str, tuple[int, int]]:
        """Per document: (items decided, items pending), counted by the database."""
        rows = self._execute(
            "SELECT doc_id, SUM(CASE WHEN status = 'pending' THEN 0 ELSE 1 END) AS done, "
            "SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS left_ "
            "FROM items GROUP BY doc_id ORDER BY doc_id"
        )
        return {r["doc_id"]: (int(r["done"]), int(r["left_"])) for r in rows}

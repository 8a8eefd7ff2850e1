"""``repair queue copy SRC DST``: move a queue between back ends without losing a decision.

Every item and decision is copied with its id (decisions point at items and at the decisions
they undo), in one transaction on the destination, and compared with the source before it
commits: a copy that would differ is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repair.errors import QueueError
from repair.review.backends import is_url
from repair.review.queue import Queue
from repair.review.schema import DECISION_COLUMNS, ITEM_COLUMNS

__all__ = ["CopyReport", "copy_queue"]


@dataclass(frozen=True)
class CopyReport:
    source: str
    destination: str
    items: int
    decisions: int
    status: dict[str, int]


def copy_queue(src: str | Path, dst: str | Path, busy_timeout_ms: int = 30_000) -> CopyReport:
    """Copy the queue at ``src`` into a new or empty queue at ``dst`` (file or URL)."""
    if not is_url(src) and not is_url(dst) and Path(src).resolve() == Path(dst).resolve():
        raise QueueError("source and destination are the same queue", dst)
    created = not is_url(dst) and not Path(dst).exists()
    with Queue(src, busy_timeout_ms, must_exist=True) as source:
        items = source.backend.execute("SELECT * FROM items ORDER BY id")
        decisions = source.backend.execute("SELECT * FROM decisions ORDER BY id")
        expected = [it.to_dict() for it in source.items()]
        try:
            with Queue(dst, busy_timeout_ms) as dest:
                _copy_into(dest, items, decisions, expected)
                counts = dest.counts()
                where = dest.location
        except BaseException:
            if created:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{dst}{suffix}").unlink(missing_ok=True)
            raise
    return CopyReport(source.location, where, len(items), len(decisions), counts)


def _copy_into(dest: Queue, items: list, decisions: list, expected: list[dict]) -> None:
    backend = dest.backend
    with backend.transaction():
        there = backend.execute(
            "SELECT (SELECT COUNT(*) FROM items) AS items, "
            "(SELECT COUNT(*) FROM decisions) AS decisions"
        )[0]
        if there["items"] or there["decisions"]:
            raise QueueError(
                f"the destination already holds a queue ({there['items']} items, "
                f"{there['decisions']} decisions); copy into a new file or an empty database",
                dest.location,
            )
        for table, columns, rows in (
            ("items", ITEM_COLUMNS, items),
            ("decisions", DECISION_COLUMNS, decisions),
        ):
            values = [tuple(r[c] for c in columns) for r in rows]
            if values and backend.insert_ignoring_duplicates(table, columns, values) != len(rows):
                raise QueueError(f"copying {table} lost rows; nothing was copied", dest.location)
        backend.after_copy()
        if [it.to_dict() for it in dest.items()] != expected:
            raise QueueError(
                "the copy differs from the source; nothing was copied", dest.location
            )

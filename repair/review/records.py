"""What a review queue holds, as values: items, decisions, and how a history settles a status.

Both back ends (``repair.review.backends``) hand rows to ``item_from_row`` and
``decision_from_row`` as mappings from column name to value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "ACTIONS",
    "STATUS_OF",
    "ORDERS",
    "Decision",
    "Item",
    "effective",
    "status_of",
    "item_key",
    "categories_column",
    "decision_from_row",
    "item_from_row",
]

ACTIONS = ("accept", "reject", "edit", "skip", "undo")
STATUS_OF = {"accept": "accepted", "reject": "rejected", "edit": "edited"}
ORDERS = ("score", "uncertainty", "document")


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
        for d in reversed(effective(self.history)):
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


def status_of(history: Iterable[Decision]) -> str:
    """The status a history settles on: the last decision in force, or pending."""
    for d in reversed(effective(history)):
        if d.action in STATUS_OF:
            return STATUS_OF[d.action]
    return "pending"


def item_key(segment_id: str, text: str, proposal: str) -> str:
    return hashlib.sha256("\x1f".join((segment_id, text, proposal)).encode()).hexdigest()


def categories_column(spans: Iterable[dict]) -> str:
    """``,alias,date,``: the stored form that ``LIKE '%,alias,%'`` filters on."""
    cats = sorted({s["category"] for s in spans})
    return "," + ",".join(cats) + "," if cats else ""


def _from_row(cls: type, r: Mapping[str, Any], **decoded: Any) -> Any:
    """A record from a row: each field its column of the same name, except those ``decoded``."""
    return cls(**{f.name: r[f.name] for f in fields(cls) if f.name not in decoded}, **decoded)


def decision_from_row(r: Mapping[str, Any]) -> Decision:
    return _from_row(Decision, r, forced=bool(r["forced"]), qa=tuple(json.loads(r["qa"] or "[]")))


def item_from_row(r: Mapping[str, Any], history: Iterable[Decision]) -> Item:
    return _from_row(Item, r, spans=tuple(json.loads(r["spans"])), history=tuple(history))

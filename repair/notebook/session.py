"""A reviewer's session: one claimed item at a time, decisions, undo, filters, progress, and
the HTML view of an item (context, word-level diff, highlighted detector spans, QA issues).

The notebook widget (``repair.notebook.ui``) is a thin shell over this class; everything it
shows is :meth:`ReviewSession.render_html`, and every button calls one method here.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from repair.aliases import AliasTable
from repair.names.review import candidates_html
from repair.review.diff import diff_html
from repair.review.qa import QAReport
from repair.review.queue import Decision, Item, Queue

__all__ = ["SessionFilters", "ReviewSession", "Summary", "CSS"]

log = logging.getLogger(__name__)

CSS = """
<style>
.rv {font-family: system-ui, sans-serif; font-size: 15px; line-height: 1.5; max-width: 1100px}
.rv-meta {color: #555; font-size: 13px}
.rv-ctx {color: #777; margin: 4px 0}
.rv-box {border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; margin: 6px 0}
.rv-label {font-size: 12px; text-transform: uppercase; color: #888; letter-spacing: .05em}
.rv-del {background: #fdd; color: #a00; text-decoration: line-through}
.rv-ins {background: #dfd; color: #060; text-decoration: none}
.rv-span {background: #fff3bf; border-bottom: 2px solid #f59f00; padding: 0 1px}
.rv-span sup {font-size: 10px; color: #b35c00; margin-left: 2px}
.rv-cat-alias, .rv-cat-calque_name {background: #e7f5ff; border-color: #1c7ed6}
.rv-cat-date, .rv-cat-english, .rv-cat-english_name {background: #f3f0ff; border-color: #7048e8}
.rv-cat-duplicate {background: #fff0f6; border-color: #d6336c}
.rv-qa-ok {color: #2b8a3e}
.rv-qa-bad {color: #c92a2a; font-weight: 600}
.rv-progress {font-size: 13px; color: #333}
</style>
"""


@dataclass(frozen=True)
class Summary:
    """A queue's progress in a few lines (the notebook's last cell)."""

    status: dict[str, int]
    documents: int
    documents_done: int
    top: tuple[tuple[str, int, int], ...]  # (document, done, left), most left first

    def lines(self) -> list[str]:
        total = sum(self.status.values())
        left = self.status.get("pending", 0)
        out = [
            f"{total} items: {total - left} decided, {left} left ("
            + ", ".join(f"{k} {v}" for k, v in self.status.items())
            + ")",
            f"{self.documents} documents, {self.documents_done} fully reviewed",
        ]
        busy = [t for t in self.top if t[2]]
        if busy:
            out.append(f"most items left ({len(busy)} of {self.documents} documents):")
            out += [f"  {doc}: {left} left, {done} done" for doc, done, left in busy]
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        rows = "".join(f"<div>{html.escape(line)}</div>" for line in self.lines())
        return f'<div class="rv-progress" style="font-family:monospace">{rows}</div>'


@dataclass(frozen=True)
class SessionFilters:
    order: str = "score"  # score | uncertainty | document
    min_score: float = 0.0
    max_score: float = 1.0
    category: str | None = None
    # "uncertainty" orders by distance from this score; None = the detector's threshold in
    # force under the default config (0.93 for the shipped model, not 0.5)
    threshold: float | None = None


def detector_threshold() -> float:
    """The detector threshold in force under the default config."""
    from repair.config import load_settings
    from repair.detect import effective_threshold

    return effective_threshold(load_settings().detect)


class ReviewSession:
    """Work through a queue item by item as one reviewer."""

    def __init__(
        self,
        queue: Queue | str | Path,
        reviewer: str,
        *,
        aliases: AliasTable | None = None,
        filters: SessionFilters | None = None,
    ):
        self.queue = (
            queue if isinstance(queue, Queue) else Queue(queue, aliases=aliases, must_exist=True)
        )
        self.reviewer = reviewer
        self.filters = filters or SessionFilters()
        self.current: Item | None = None
        self.decisions: list[Decision] = []
        self.next()

    # ------------------------------------------------------------------ moving

    def next(self) -> Item | None:
        """Claim the next item under the filters (the one already held, if any)."""
        f = self.filters
        self.current = self.queue.claim(
            self.reviewer,
            order=f.order,
            min_score=f.min_score,
            max_score=f.max_score,
            category=f.category,
            threshold=f.threshold if f.threshold is not None else self._threshold(),
        )
        return self.current

    def _threshold(self) -> float:
        if not hasattr(self, "_default_threshold"):
            self._default_threshold = detector_threshold()
        return self._default_threshold

    def set_filters(self, **changes: object) -> Item | None:
        """Change order or filters; the held item is released and the next one claimed."""
        self.filters = replace(self.filters, **changes)  # type: ignore[arg-type]
        if self.current is not None:
            self.queue.release(self.current.id, self.reviewer)
        return self.next()

    def _require(self) -> Item:
        if self.current is None:
            from repair.errors import QueueError

            raise QueueError("no item to decide: the queue (under these filters) is done")
        return self.current

    def _decide(self, action: str, **kw: object) -> Decision:
        item = self._require()
        d = self.queue.decide(item.id, action, self.reviewer, **kw)  # type: ignore[arg-type]
        self.decisions.append(d)
        log.info("%s %s item %s", self.reviewer, action, item.id)
        self.next()
        return d

    # ------------------------------------------------------------------ deciding

    def accept(self, *, force: bool = False, comment: str | None = None) -> Decision:
        return self._decide("accept", force=force, comment=comment)

    def reject(self, *, comment: str | None = None) -> Decision:
        return self._decide("reject", comment=comment)

    def edit(self, text: str, *, force: bool = False, comment: str | None = None) -> Decision:
        return self._decide("edit", final_text=text, force=force, comment=comment)

    def skip(self, *, comment: str | None = None) -> Decision:
        return self._decide("skip", comment=comment)

    def undo(self) -> Decision:
        """Revert this reviewer's last decision; its item becomes the current one again."""
        d = self.queue.undo(self.reviewer)
        if self.current is not None and self.current.id != d.item_id:
            self.queue.release(self.current.id, self.reviewer)
        self.decisions.append(d)
        self.current = self.queue.get(d.item_id)
        return d

    # ------------------------------------------------------------------ showing

    def qa(self, text: str | None = None) -> QAReport:
        return self.queue.qa(self._require(), text)

    def progress(self) -> dict:
        """Done and left, overall and per document (counted by the database)."""
        docs = {
            doc: {"done": done, "left": left}
            for doc, (done, left) in self.queue.document_counts().items()
        }
        done = sum(d["done"] for d in docs.values())
        left = sum(d["left"] for d in docs.values())
        return {"done": done, "left": left, "documents": docs}

    def summary(self, top: int = 5) -> Summary:
        """Totals by status, and the ``top`` documents with the most items left: short
        however big the queue."""
        docs = self.queue.document_counts()
        busiest = sorted(docs.items(), key=lambda kv: (-kv[1][1], kv[0]))[:top]
        return Summary(
            status=dict(sorted(self.queue.counts().items())),
            documents=len(docs),
            documents_done=sum(1 for _done, left in docs.values() if left == 0),
            top=tuple((doc, done, left) for doc, (done, left) in busiest),
        )

    def render_html(self, text: str | None = None) -> str:
        """The current item as HTML (with ``text`` as the candidate final text, if given)."""
        p = self.progress()
        bar = (
            f'<div class="rv-progress"><b>{p["done"]}</b> done, <b>{p["left"]}</b> left'
            f' &middot; reviewer <b>{html.escape(self.reviewer)}</b></div>'
        )
        item = self.current
        if item is None:
            return f'{CSS}<div class="rv">{bar}<p>Nothing left to review under these '\
                   "filters.</p></div>"
        doc = p["documents"].get(item.doc_id, {"done": 0, "left": 0})
        candidate = item.proposal if text is None else text
        report = self.queue.qa(item, candidate)
        if report.ok:
            qa = '<span class="rv-qa-ok">QA: all checks pass</span>'
        else:
            qa = '<span class="rv-qa-bad">QA: ' + "; ".join(
                html.escape(m) for m in report.messages
            ) + " (accepting needs Force)</span>"
        cats = ", ".join(item.categories) or "-"
        return f"""{CSS}<div class="rv">{bar}
<div class="rv-meta">item {item.id} &middot; {html.escape(item.segment_id)} &middot;
article {html.escape(item.doc_id)}: {doc["done"]} done, {doc["left"]} left &middot;
score {item.score:.3f} &middot; categories {html.escape(cats)} &middot;
proposal from {html.escape(item.source)} ({html.escape(item.model)})</div>
<div class="rv-box"><div class="rv-label">sentence in context</div>
<div class="rv-ctx">{html.escape(item.context_before)}</div>
<div>{highlight_spans(item.text, item.spans)}</div>
<div class="rv-ctx">{html.escape(item.context_after)}</div></div>
{candidates_html(item.spans)}
<div class="rv-box"><div class="rv-label">proposed change</div>
<div>{diff_html(item.text, candidate)}</div></div>
<div>{qa}</div></div>"""


def highlight_spans(text: str, spans: tuple[dict, ...] | list[dict]) -> str:
    """``text`` with detector spans marked and labelled by category, the evidence of a span
    as its tooltip (overlaps: first wins)."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        if s["start"] < pos:
            continue
        cat = html.escape(s["category"])
        tip = html.escape(f"{s['category']}: {s['evidence']}" if s.get("evidence") else cat)
        out.append(html.escape(text[pos : s["start"]]))
        out.append(
            f'<mark class="rv-span rv-cat-{cat}" title="{tip}">'
            f'{html.escape(text[s["start"] : s["end"]])}<sup>{cat}</sup></mark>'
        )
        pos = s["end"]
    out.append(html.escape(text[pos:]))
    return "".join(out)

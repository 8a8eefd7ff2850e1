"""The reviewer widget for Jupyter: a thin ipywidgets shell over :class:`ReviewSession`.

Keyboard first: with the cursor in the "keys" box, ``a`` accepts, ``r`` rejects, ``e`` saves
the edit box as the final text, ``s`` skips, ``u`` undoes, ``f`` toggles Force. The same
actions are buttons. Filters (score range, category, order) re-claim under the new filter.

Name candidates (``repair.names``) are offered in a chooser: "Use candidate" only writes the
chosen name into the edit box and shows the alias row it offers; nothing is applied until the
reviewer saves the edit, and the decision's comment then records the candidate.
"""

from __future__ import annotations

import logging
from pathlib import Path

import ipywidgets as W

from repair.aliases import AliasTable
from repair.detect import CATEGORIES
from repair.errors import RepairError
from repair.names.review import alias_row, candidate_choices, candidate_text
from repair.notebook.session import ReviewSession, SessionFilters
from repair.review.queue import ORDERS

__all__ = ["ReviewWidget", "review_widget"]

log = logging.getLogger(__name__)

KEYS = {"a": "accept", "r": "reject", "e": "edit", "s": "skip", "u": "undo"}


class ReviewWidget:
    """The widgets of one review session; ``.box`` is what the notebook displays."""

    def __init__(self, session: ReviewSession):
        self.session = session
        f = session.filters
        self.view = W.HTML()
        self.message = W.HTML()
        self.editor = W.Textarea(
            layout=W.Layout(width="100%", height="90px"), continuous_update=False
        )
        self.comment = W.Text(placeholder="optional comment", layout=W.Layout(width="50%"))
        self.force = W.Checkbox(value=False, description="Force (accept despite QA)", indent=False)
        self.keys = W.Text(
            placeholder="keys: a accept · r reject · e save edit · s skip · u undo · f force",
            layout=W.Layout(width="50%"),
        )
        self.buttons = {
            "accept": W.Button(description="Accept (a)", button_style="success"),
            "reject": W.Button(description="Reject (r)", button_style="danger"),
            "edit": W.Button(description="Save edit (e)", button_style="info"),
            "skip": W.Button(description="Skip (s)"),
            "undo": W.Button(description="Undo (u)", button_style="warning"),
        }
        self.score = W.FloatRangeSlider(
            value=(f.min_score, f.max_score), min=0.0, max=1.0, step=0.05, description="score",
            continuous_update=False,
        )
        self.category = W.Dropdown(
            options=[("any", None), *((c, c) for c in CATEGORIES)], value=f.category,
            description="category",
        )
        self.order = W.Dropdown(options=list(ORDERS), value=f.order, description="order")
        self.progress = W.IntProgress(min=0, max=1, value=0, description="progress")
        self.candidate = W.Dropdown(options=[], description="name", layout=W.Layout(width="60%"))
        self.use_candidate_button = W.Button(description="Use candidate", button_style="info")
        self.use_candidate_button.on_click(lambda _b: self.use_candidate())
        self.candidate_row = W.HBox([self.candidate, self.use_candidate_button])
        self._chosen: dict | None = None  # the candidate now in the edit box
        for action, button in self.buttons.items():
            button.on_click(lambda _b, a=action: self.act(a))
        self.keys.observe(self._on_key, names="value")
        self.editor.observe(lambda _c: self._refresh_view(), names="value")
        for w in (self.score, self.category, self.order):
            w.observe(self._on_filter, names="value")
        self.box = W.VBox(
            [
                W.HBox([self.order, self.category, self.score]),
                self.progress,
                self.view,
                W.Label("Final text (prefilled with the proposal; edit, then Save edit):"),
                self.candidate_row,
                self.editor,
                W.HBox(list(self.buttons.values())),
                W.HBox([self.keys, self.comment]),
                self.force,
                self.message,
            ]
        )
        self._load()

    # ------------------------------------------------------------------ actions

    def act(self, action: str) -> None:
        """Run one action on the session; errors (QA gate, conflicts) go to ``message``."""
        s = self.session
        comment = self.comment.value.strip() or None
        chosen = self._chosen if action == "edit" else None
        if chosen is not None and chosen["name"] in self.editor.value:
            note = f"name candidate {chosen.get('rendering', '')} -> {chosen['name']}"
            comment = f"{note}; {comment}" if comment else note
        else:
            chosen = None
        try:
            if action == "accept":
                d = s.accept(force=self.force.value, comment=comment)
            elif action == "reject":
                d = s.reject(comment=comment)
            elif action == "edit":
                d = s.edit(self.editor.value, force=self.force.value, comment=comment)
            elif action == "skip":
                d = s.skip(comment=comment)
            elif action == "undo":
                d = s.undo()
            else:
                raise ValueError(f"unknown action {action!r}")
        except RepairError as exc:
            self.message.value = f'<span style="color:#c92a2a">{_esc(str(exc))}</span>'
            return
        self.message.value = f"{d.action} item {d.item_id}" + (" (forced)" if d.forced else "")
        if chosen is not None:
            self.message.value += (
                " &middot; alias row offered (<code>repair aliases suggest</code> lists it): "
                f"<code>{_esc(self.alias_row(chosen))}</code>"
            )
        self.comment.value = ""
        self.force.value = False
        self._load()

    def use_candidate(self, choice: tuple[int, int] | None = None) -> None:
        """Put a name candidate into the edit box (the chooser's, or ``choice`` = (span index,
        candidate index)); the reviewer still saves the edit to apply it."""
        item = self.session.current
        choice = choice if choice is not None else self.candidate.value
        if item is None or choice is None:
            return
        span = item.spans[choice[0]]
        cand = span["candidates"][choice[1]]
        try:
            self.editor.value = candidate_text(item.text, self.editor.value, span, cand)
        except ValueError as exc:
            self.message.value = f'<span style="color:#c92a2a">{_esc(str(exc))}</span>'
            return
        self._chosen = {**cand, "rendering": cand.get("rendering", span["text"])}
        self.message.value = (
            f"candidate {_esc(cand['name'])} is in the edit box: Save edit (e) applies it; "
            f"it offers the alias row <code>{_esc(self.alias_row(self._chosen))}</code>"
        )

    @staticmethod
    def alias_row(candidate: dict) -> str:
        entry = None
        try:
            from repair.names import NamesSettings, load_resolver

            entry = load_resolver(NamesSettings()).gaz.lookup(candidate["name"].split())
        except RepairError as exc:  # no gazetteer: the row is still offered, as a person
            log.warning("name gazetteer unavailable (%s)", exc)
        return alias_row(candidate, entry)

    def _on_key(self, change: dict) -> None:
        value = change["new"]
        if not value:
            return
        key = value[-1].lower()
        self.keys.value = ""
        if key == "f":
            self.force.value = not self.force.value
        elif key in KEYS:
            self.act(KEYS[key])

    def _on_filter(self, _change: dict) -> None:
        lo, hi = self.score.value
        self.session.set_filters(
            min_score=lo, max_score=hi, category=self.category.value, order=self.order.value
        )
        self._load()

    # ------------------------------------------------------------------ display

    def _load(self) -> None:
        item = self.session.current
        self._chosen = None
        choices = candidate_choices(item.spans) if item is not None else []
        self.candidate.options = choices
        self.candidate.value = choices[0][1] if choices else None
        self.candidate_row.layout.display = "flex" if choices else "none"
        self.editor.value = item.proposal if item is not None else ""
        for name, b in self.buttons.items():
            b.disabled = item is None and name != "undo"
        p = self.session.progress()
        self.progress.max = max(p["done"] + p["left"], 1)
        self.progress.value = p["done"]
        self._refresh_view()

    def _refresh_view(self) -> None:
        item = self.session.current
        text = self.editor.value if item is not None else None
        self.view.value = self.session.render_html(text)


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def review_widget(
    queue: str | Path,
    reviewer: str,
    *,
    aliases: AliasTable | None = None,
    order: str = "score",
    min_score: float = 0.0,
    max_score: float = 1.0,
    category: str | None = None,
) -> ReviewWidget:
    """Open ``queue`` as ``reviewer`` and build the review widget (display ``.box``)."""
    if aliases is None:
        from repair.config import load_aliases, load_settings

        aliases = load_aliases(load_settings())
    session = ReviewSession(
        queue,
        reviewer,
        aliases=aliases,
        filters=SessionFilters(order, min_score, max_score, category),
    )
    return ReviewWidget(session)

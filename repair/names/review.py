"""Name candidates before a reviewer: shown in the review view, applied only by a reviewer
(``repair names accept``), whose edit then yields the alias row (``repair aliases suggest``).
The pipeline attaches them to flagged name spans (``repair.detect.candidates``)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from repair.names.resolve import Resolver

__all__ = [
    "accept_candidate",
    "candidates_html",
    "candidate_text",
    "candidate_choices",
    "alias_row",
]

def candidates_html(spans: Iterable[dict]) -> str:
    """The review view's box of name candidates with their evidence ("" if there are none)."""
    rows = []
    for i, s in enumerate(spans):
        for k, c in enumerate(s.get("candidates") or []):
            # pinyin names: 阮 ruan → nguyễn; Japanese: 小野寺 onodera ← tiểu dã tự
            ev = " · ".join(
                f'{html.escape(e["chars"][:1])} {html.escape(e["pinyin"])} → '
                f'{html.escape(e["reading"])}' if "pinyin" in e else
                f'{html.escape(e["chars"])} {html.escape(e["romaji"])} ← '
                f'{html.escape(e["reading"])}'
                for e in c["evidence"]
            )
            rows.append(
                f"<li><b>{html.escape(c['name'])}</b>"
                + (f" (seen {c['known']}× in clean news)" if c.get("known") else "")
                + " for "
                f"&ldquo;{html.escape(c.get('rendering', s['text']))}&rdquo; "
                f"({c['score']:.2f}; span {i}, candidate {k}): {ev}</li>"
            )
    if not rows:
        return ""
    return (
        '<div class="rv-box"><div class="rv-label">name candidates (never applied '
        "unless you choose one: <code>repair names accept ITEM --span N --candidate K</code>"
        ")</div><ol>" + "".join(rows) + "</ol></div>"
    )


def candidate_text(text: str, proposal: str, span: dict, candidate: dict) -> str:
    """The proposal with the span's rendering replaced by the candidate name."""
    rendering = candidate.get("rendering", span["text"])
    base = proposal if rendering in proposal else text
    if rendering not in base:
        raise ValueError(f"{rendering!r} is not in the sentence any more")
    return base.replace(rendering, candidate["name"], 1)


def candidate_choices(spans: Iterable[dict]) -> list[tuple[str, tuple[int, int]]]:
    """(label, (span index, candidate index)) of every name candidate, for a chooser."""
    return [
        (f"{c['name']} for {c.get('rendering', s['text'])} ({c['score']:.2f})", (i, k))
        for i, s in enumerate(spans)
        for k, c in enumerate(s.get("candidates") or [])
    ]


def alias_row(candidate: dict, entry: tuple[int, int, int, str] | None = None) -> str:
    """The alias-table row a chosen candidate offers (``entry``: its gazetteer entry, which
    says whether clean news uses the name more as a place than a person)."""
    kind = "place" if entry and entry[2] > entry[1] else "person"
    return f"{candidate['name']}\t{kind}\t{candidate.get('rendering', '')}"


def accept_candidate(queue, item_id: int, reviewer: str, span: int | None, candidate: int,
                     comment: str | None, force: bool, resolver: Resolver):
    """Record name ``candidate`` of ``span`` (default: the first with candidates) of item
    ``item_id`` as ``reviewer``'s edit; the decision and the alias row it offers."""
    from repair.errors import QueueError

    item = queue.get(item_id)
    spans = list(item.spans)
    idx = span if span is not None else next(
        (i for i, s in enumerate(spans) if s.get("candidates")), None)
    if idx is None or not 0 <= idx < len(spans) or not spans[idx].get("candidates"):
        raise QueueError(f"item {item_id} has no name candidates at span {idx}")
    cands = spans[idx]["candidates"]
    if not 0 <= candidate < len(cands):
        raise QueueError(f"span {idx} of item {item_id} has {len(cands)} candidate(s)")
    c = cands[candidate]
    try:
        final = candidate_text(item.text, item.proposal, spans[idx], c)
    except ValueError as exc:
        raise QueueError(f"item {item_id}: {exc}") from exc
    note = f"name candidate {c['rendering']} -> {c['name']}"
    decision = queue.decide(item_id, "edit", reviewer, final_text=final,
                            comment=f"{note}; {comment}" if comment else note, force=force)
    return decision, alias_row(c, resolver.gaz.lookup(c["name"].split()))

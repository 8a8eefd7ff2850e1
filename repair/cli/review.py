"""``repair review``, ``export``, ``apply`` and ``aliases suggest``: the queue and what comes
out of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repair.cli import common

__all__ = ["register"]

review_app = common.group(help="Work through the review queue.")
aliases_app = common.group(help="Alias-table tools.")


def _item_json(q, item) -> str:
    data = item.to_dict()
    data["qa"] = list(q.qa(item).messages)
    return json.dumps(data, ensure_ascii=False, indent=1)


@review_app.command("next")
def review_next(
    queue: common.QueueOpt,
    reviewer: common.ReviewerOpt,
    order: Annotated[str, typer.Option(help="score | uncertainty | document")] = "score",
    min_score: Annotated[float, typer.Option(help="lowest detector score")] = 0.0,
    max_score: Annotated[float, typer.Option(help="highest detector score")] = 1.0,
    category: Annotated[str | None, typer.Option(help="only items with this span category")] = None,
    config: common.ConfigOpt = None,
) -> None:
    """Claim the next pending item and print it as JSON (exit 0, empty output when none)."""
    from repair.detect import effective_threshold

    # "uncertainty" is the distance from the detector threshold in force, not from 0.5
    threshold = 0.5
    if order == "uncertainty":
        threshold = effective_threshold(common.settings(config).detect)
    with common.open_queue(queue, config) as q:
        item = q.claim(reviewer, order=order, min_score=min_score, max_score=max_score,
                       category=category, threshold=threshold)
        if item is not None:
            typer.echo(_item_json(q, item))


@review_app.command("list")
def review_list(
    queue: common.QueueOpt,
    status: Annotated[list[str] | None, typer.Option(
        metavar="STATUS", help="pending, accepted, edited, rejected (repeatable; default: all)")]
    = None,
    config: common.ConfigOpt = None,
) -> None:
    """List the queue's items: id, status, score, document and text, one a line."""
    with common.open_queue(queue, config) as q:
        for it in q.items(status or None):
            typer.echo(f"{it.id}\t{it.status}\t{it.score:.3f}\t{it.doc_id}\t{it.text}")


@review_app.command("show")
def review_show(item_id: common.ItemArg, queue: common.QueueOpt,
                config: common.ConfigOpt = None) -> None:
    """Print one item, its QA report and its decision history as JSON."""
    with common.open_queue(queue, config) as q:
        typer.echo(_item_json(q, q.get(item_id)))


def _decide(queue, config, item_id, action, reviewer, **kw) -> None:
    with common.open_queue(queue, config) as q:
        d = q.decide(item_id, action, reviewer, **kw)
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False))


@review_app.command("accept")
def review_accept(
    item_id: common.ItemArg,
    queue: common.QueueOpt,
    reviewer: common.ReviewerOpt,
    comment: common.CommentOpt = None,
    force: common.ForceOpt = False,
    config: common.ConfigOpt = None,
) -> None:
    """Accept the proposal as it is."""
    _decide(queue, config, item_id, "accept", reviewer, comment=comment, force=force)


@review_app.command("edit")
def review_edit(
    item_id: common.ItemArg,
    queue: common.QueueOpt,
    reviewer: common.ReviewerOpt,
    text: Annotated[str, typer.Option("--text", help="the final sentence")],
    comment: common.CommentOpt = None,
    force: common.ForceOpt = False,
    config: common.ConfigOpt = None,
) -> None:
    """Replace the proposal with your own final text."""
    _decide(
        queue, config, item_id, "edit", reviewer, final_text=text, comment=comment, force=force
    )


def _plain_decision(action: str, doc: str):
    """A command that records ``action`` with an optional comment (reject, skip)."""

    def command(
        item_id: common.ItemArg,
        queue: common.QueueOpt,
        reviewer: common.ReviewerOpt,
        comment: common.CommentOpt = None,
        config: common.ConfigOpt = None,
    ) -> None:
        _decide(queue, config, item_id, action, reviewer, comment=comment)

    command.__doc__ = doc
    return command


review_app.command("reject")(_plain_decision(
    "reject", "Reject the proposal: the machine text stays."))
review_app.command("skip")(_plain_decision(
    "skip", "Pass on an item: it stays pending and comes back to you last."))


@review_app.command("undo")
def review_undo(
    queue: common.QueueOpt,
    reviewer: common.ReviewerOpt,
    item_id: Annotated[int | None, typer.Argument(help="item id (default: your last)")] = None,
    comment: common.CommentOpt = None,
    config: common.ConfigOpt = None,
) -> None:
    """Revert your last decision (on ITEM_ID, if given) by appending an undo."""
    with common.open_queue(queue, config) as q:
        d = q.undo(reviewer, item_id, comment)
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False))


@review_app.command("stats")
def review_stats(
    queue: common.QueueOpt,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON, items included")] = False,
    config: common.ConfigOpt = None,
) -> None:
    """Progress per status and document; effort per reviewer (time, HTER)."""
    from repair.review.stats import queue_stats

    with common.open_queue(queue, config) as q:
        stats = queue_stats(q)
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), ensure_ascii=False, indent=1))
        return
    out = common.stdout()
    table = Table(title=f"review queue {q.location}")
    table.add_column("status")
    table.add_column("items", justify="right")
    for status, n in sorted(stats.status.items()):
        table.add_row(status, str(n))
    out.print(table)
    table = Table(title="per reviewer")
    for col in ("reviewer", "decided", "acc", "edit", "rej", "skip", "undo", "forced",
                "med s", "HTER"):
        table.add_column(col, justify="left" if col == "reviewer" else "right")
    for r in stats.reviewers.values():
        table.add_row(
            r.reviewer,
            str(r.decided),
            *(str(r.actions.get(a, 0)) for a in ("accept", "edit", "reject", "skip", "undo")),
            str(r.forced),
            "-" if r.median_seconds is None else f"{r.median_seconds:.1f}",
            "-" if r.mean_hter is None else f"{r.mean_hter:.2f}",
        )
    out.print(table)
    table = Table(title="per document")
    table.add_column("document")
    table.add_column("done", justify="right")
    table.add_column("left", justify="right")
    for doc, d in sorted(stats.documents.items()):
        table.add_row(doc, str(d["done"]), str(d["left"]))
    out.print(table)


def export_cmd(
    queue: common.QueueOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output file (folder for hf)")],
    status: Annotated[str, typer.Option(help="accepted (= accepted or edited) | edited | "
                                        "rejected | pending | all")] = "accepted",
    fmt: Annotated[str, typer.Option("--format", help="jsonl | tmx | xliff | hf")] = "jsonl",
    config: common.ConfigOpt = None,
) -> None:
    """Export reviewed items for translation tools (TMX, XLIFF) or training (JSONL, HF)."""
    from repair.review.export import export_queue

    with common.open_queue(queue, config) as q:
        n = export_queue(q, out, fmt, status)
    common.console.print(f"{n} items -> {out}")


def apply_cmd(
    inputs: common.Inputs,
    queue: common.QueueOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")],
    config: common.ConfigOpt = None,
) -> None:
    """Write the articles with accepted and edited sentences substituted, all else as it was."""
    from repair.review.apply import apply_decisions

    with common.open_queue(queue, config) as q:
        s = apply_decisions(inputs, q, out)
    common.console.print(
        f"{s.documents} documents, {s.changed_documents} changed, {len(s.substituted)} "
        f"sentences substituted, {len(s.stale)} stale -> {out}"
    )


@aliases_app.command("suggest")
def aliases_suggest(
    queue: common.QueueOpt,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="TSV (default: stdout)")]
    = None,
    aliases: common.AliasOpt = None,
    config: common.ConfigOpt = None,
) -> None:
    """Propose alias-table rows from accepted edits, with their evidence, to confirm by hand."""
    from repair.review.alias_mining import format_suggestions, suggest_aliases
    from repair.rewrite.dates import find_dates

    def date(variant: str) -> str | None:
        return "a date repair, not a name" if find_dates(variant) else None

    left_out: list[tuple[str, str, str]] = []
    with common.open_queue(queue, config, aliases) as q:
        text = format_suggestions(suggest_aliases(q, q.aliases, left_out, date))
    for variant, canonical, why in left_out:
        common.console.print(f"not suggested: {variant!r} -> {canonical!r}: {why}",
                             soft_wrap=True)
    if out is None:
        typer.echo(text, nl=False)
    else:
        from repair.text.outputs import guarded_file, write_atomic

        with guarded_file(out, [queue, *(aliases or [])], command="aliases suggest",
                          extra={"queue": queue}) as path:
            write_atomic(path, text.encode("utf-8"))


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
    app.add_typer(aliases_app, name="aliases")
    app.command("export")(export_cmd)
    app.command("apply")(apply_cmd)

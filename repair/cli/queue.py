"""``repair queue``: review queues across back ends."""

from __future__ import annotations

from typing import Annotated

import typer

from repair.cli import common

__all__ = ["register"]

queue_app = common.group(help="Review queues across back ends.")


@queue_app.command("copy")
def queue_copy_cmd(
    src: Annotated[str, typer.Argument(help="queue to copy: SQLite file or postgresql:// URL")],
    dst: Annotated[str, typer.Argument(help="new file, or URL of a database with no queue")],
) -> None:
    """Copy a queue, every item and decision with its id, e.g. from SQLite to PostgreSQL."""
    from repair.review.copy import copy_queue

    report = copy_queue(common.queue_location(src), common.queue_location(dst))  # type: ignore[arg-type]
    status = ", ".join(f"{k} {v}" for k, v in sorted(report.status.items()))
    typer.echo(
        f"copied {report.items} items and {report.decisions} decisions from {report.source} "
        f"to {report.destination} ({status})"
    )


@queue_app.command("race")
def queue_race_cmd(
    queue: common.QueueOpt,
    reviewers: Annotated[int, common.count_option("reviewer processes")] = 4,
    items: Annotated[
        int, typer.Option(min=0, help="fill a new queue with this many items first (0: use as is)")
    ] = 0,
    think_ms: Annotated[float, typer.Option(help="pause between claim and decision")] = 0.0,
) -> None:
    """Bench: reviewer processes decide a queue at once; time, and exactly-once check."""
    from repair.errors import QueueError
    from repair.jobs.race import race_report

    location = common.queue_location(queue)
    assert location is not None
    report = race_report(location, reviewers, think_ms / 1000, common.settings(None),
                         fill_items=items)
    if report.filled:
        typer.echo(f"filled {report.filled} items in {report.fill_seconds:.1f} s")
    result, n = report.result, report.items
    typer.echo(
        f"{reviewers} reviewers, {n} items: {result.seconds:.2f} s "
        f"({n / result.seconds:.0f} items/s); decided per reviewer {result.per_reviewer}"
    )
    if report.problems:
        raise QueueError("not exactly once: " + "; ".join(report.problems), location)
    typer.echo("every item decided exactly once; every reported decision stored as reported")


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")

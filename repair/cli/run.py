"""``repair detect`` and ``repair run``: batch jobs over input files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repair.cli import common

__all__ = ["register"]

ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="continue a killed job from what it had committed")]
WorkersOpt = Annotated[int | None, common.count_option(
    "worker processes (detector and rewriter batches; default: the config's workers, 0 = one "
    "per core); output order is unchanged")]
BatchOpt = Annotated[int, common.count_option(
    "segments per batch of whole documents (memory grows with it, not with the input)")]
EngineOpt = Annotated[str, typer.Option(
    help="local (this process and --workers) or ray (Ray Data: local instance or --ray-address)")]
RayAddressOpt = Annotated[str | None, typer.Option(
    help="an existing Ray cluster (ray.init(address=...)); default: a local instance")]
RewriterOpt = Annotated[Path | None, typer.Option(
    "--rewriter", help="span rewriter model directory (default: rewrite.model)")]
OldModelOpt = Annotated[Path | None, typer.Option(
    "--model", hidden=True, help="deprecated spelling of --rewriter")]


def summary_table(summary) -> Table:
    table = Table(title=f"repair {summary.mode} -> {summary.output}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("documents", str(summary.documents))
    table.add_row("segments", str(summary.segments))
    table.add_row(
        "flagged", f"{summary.flagged} ({summary.flagged / max(summary.segments, 1):.1%})"
    )
    if summary.mode == "run":
        table.add_row("proposals that change the text", str(summary.changed))
        table.add_row("new queue items", str(summary.queued_new))
        for source, n in summary.sources.most_common():
            table.add_row(f"  flagged, proposal from {source}", str(n))
        for reason, n in summary.checks.most_common():
            table.add_row(f"  model repairs not used: {reason}", str(n))
    for cat, n in summary.categories.most_common():
        table.add_row(f"  segments with {cat}", str(n))
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("segments / s", f"{summary.segments_per_second:.0f}")
    return table


def _job(mode: str, inputs, out, aliases, unit, config, resume=False, workers=None,
         batch_segments=256, engine="local", ray_address=None, **extra) -> None:
    from repair.jobs import run

    if unit is not None and unit not in ("document", "sentence"):
        raise typer.BadParameter("--unit must be 'document' or 'sentence'")
    summary = run(inputs, out, common.settings(config, unit=unit, **extra), mode=mode,
                  engine=engine,
                  extra_aliases=aliases or [], resume=resume, workers=workers,
                  batch_segments=batch_segments, address=ray_address)
    if summary.segments == 0:
        common.console.print(f"warning: the input holds no text ({summary.documents} "
                             "documents, 0 segments); the output is empty", soft_wrap=True)
    common.stdout().print(summary_table(summary))


def detect_cmd(
    inputs: common.Inputs,
    out: common.Out,
    aliases: common.AliasOpt = None,
    unit: common.UnitOpt = None,
    resume: ResumeOpt = False,
    workers: WorkersOpt = None,
    batch_segments: BatchOpt = 256,
    config: common.ConfigOpt = None,
) -> None:
    """Score every segment for machine-translation artifacts."""
    _job("detect", inputs, out, aliases, unit, config, resume, workers, batch_segments)


def run_cmd(
    inputs: common.Inputs,
    out: common.Out,
    aliases: common.AliasOpt = None,
    unit: common.UnitOpt = None,
    queue: Annotated[
        str | None, typer.Option(help="review queue: SQLite file or postgresql:// URL")
    ] = None,
    rewriter: RewriterOpt = None,
    model: OldModelOpt = None,
    queue_all: Annotated[bool, typer.Option(
        "--queue-all", help="queue every segment, not only changed proposals")] = False,
    resume: ResumeOpt = False,
    workers: WorkersOpt = None,
    batch_segments: BatchOpt = 256,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    device: Annotated[str | None, typer.Option(
        help="where the rewriter runs: cpu (default), cuda or cuda:N (half precision, a batch "
             "size for the GPU; refused with a message where there is none)")] = None,
    config: common.ConfigOpt = None,
) -> None:
    """Detect, propose repairs for flagged segments, and queue them for review."""
    rewriter = common.renamed(rewriter, model, "--model", "--rewriter")
    overrides = {"queue.path": common.queue_location(queue),
                 "rewrite.model": common.abs_path(rewriter),
                 "rewrite.device": device,
                 "queue.all": True if queue_all else None}
    _job("run", inputs, out, aliases, unit, config, resume, workers, batch_segments, engine,
         ray_address, **overrides)


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_cmd)
    app.command("run")(run_cmd)

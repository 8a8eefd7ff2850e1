"""Command line: thin Typer commands that load config, call one function, write output."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from repair.errors import RepairError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)

Inputs = Annotated[list[Path], typer.Argument(help=".txt articles, .jsonl records, or folders")]
Out = Annotated[Path, typer.Option("--out", "-o", help="output JSONL file")]
AliasOpt = Annotated[
    list[Path] | None, typer.Option("--aliases", help="extra alias table (TSV), repeatable")
]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="document | sentence")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config")]


def _abs(p: Path | None) -> str | None:
    return str(p.resolve()) if p is not None else None


def _settings(config: Path | None, **overrides):
    from repair.config import load_settings

    data: dict = {}
    for key, value in overrides.items():
        if value is None:
            continue
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return load_settings(config, data)


def _summary_table(summary) -> Table:
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
    for cat, n in summary.categories.most_common():
        table.add_row(f"  segments with {cat}", str(n))
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("segments / s", f"{summary.segments_per_second:.0f}")
    return table


def _job(mode: str, inputs, out, aliases, unit, config, **extra) -> None:
    from repair.jobs import run_job

    if unit is not None and unit not in ("document", "sentence"):
        raise typer.BadParameter("--unit must be 'document' or 'sentence'")
    settings = _settings(config, unit=unit, **extra)
    summary = run_job(inputs, out, settings, mode=mode, extra_aliases=aliases or [])
    Console().print(_summary_table(summary))


@app.command("detect")
def detect_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score every segment for machine-translation artifacts."""
    _job("detect", inputs, out, aliases, unit, config)


@app.command("run")
def run_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    queue: Annotated[Path | None, typer.Option(help="SQLite review queue")] = None,
    model: Annotated[Path | None, typer.Option(help="seq2seq model directory")] = None,
    config: ConfigOpt = None,
) -> None:
    """Detect, propose repairs for flagged segments, and queue them for review."""
    _job(
        "run",
        inputs,
        out,
        aliases,
        unit,
        config,
        **{"queue.path": _abs(queue), "rewrite.model": _abs(model)},
    )


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Option("--gold", help="labelled JSONL (seed_dev.jsonl format)")],
    aliases: AliasOpt = None,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every failure")] = False,
) -> None:
    """Measure detection and proposals on a labelled file."""
    from repair.evaluate import evaluate
    from repair.jobs import load_aliases

    settings = _settings(config)
    report = evaluate(gold, settings, load_aliases(settings, aliases or []))
    table = Table(title="repair eval", caption=report.signature)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in report.rows():
        table.add_row(name, value)
    out = Console()
    out.print(table)
    out.print(f"signature: {report.signature}")
    if report.missed:
        out.print(f"missed artifacts: {', '.join(report.missed)}")
    if report.false_positives:
        out.print(f"false positives: {', '.join(report.false_positives)}")
    if verbose:
        for f in report.failures:
            out.print(f"  {f}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app(standalone_mode=False)
    except RepairError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()

"""What every command shares: the consoles, option types, settings and queue opening, tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = [
    "AliasOpt", "CommentOpt", "ConfigOpt", "CorpusOpt", "ForceOpt", "Inputs", "ItemArg", "Out",
    "QueueOpt", "ReviewerOpt", "UnitOpt", "abs_path", "console", "corpus_path",
    "corpus_sentences", "count_option", "group", "out_path",
    "measure_table", "open_queue", "queue_location", "renamed", "rows_table", "settings", "stdout",
]

# markup=False: paths, reviewer names and ids are user text, never rich markup ("[/b]x").
console = Console(stderr=True, markup=False)


def stdout() -> Console:
    return Console(markup=False)


Inputs = Annotated[list[Path], typer.Argument(
    metavar="INPUT", help=".txt articles, .jsonl or .jsonl.gz records, or folders")]
Out = Annotated[Path, typer.Option(
    "--out", "-o", metavar="FILE",
    help="output JSONL file; its settings go beside it as FILE.config.yaml")]
AliasOpt = Annotated[list[Path] | None, typer.Option(
    "--aliases", metavar="TSV", help="extra alias table, repeatable")]
UnitOpt = Annotated[str | None, typer.Option(
    "--unit", metavar="document|sentence",
    help="split articles into sentences (document, the default) or take each record, or each "
    "line of a .txt, as one segment (sentence)")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", metavar="YAML", help="settings file (default: configs/run.yaml)")]
QueueOpt = Annotated[
    str, typer.Option("--queue", help="review queue: SQLite file or postgresql:// URL")
]
ReviewerOpt = Annotated[str, typer.Option("--reviewer", help="your name, recorded with decisions")]
CommentOpt = Annotated[str | None, typer.Option("--comment", help="optional note")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="accept although the QA gate fails (recorded)")
]
ItemArg = Annotated[int, typer.Argument(help="item id")]


def group(help: str) -> typer.Typer:  # noqa: A002 (typer's own keyword)
    """A command group: plain help (brackets in help text are text, not rich markup)."""
    return typer.Typer(no_args_is_help=True, rich_markup_mode=None, help=help)


def count_option(help_text: str, *decls: str) -> Any:
    """An option that counts something: 1 or more (0 and below are refused)."""
    return typer.Option(*decls, min=1, help=help_text)
CorpusOpt = Annotated[Path | None, typer.Option(
    help="clean corpus .jsonl.gz (default: the shared training corpus)")]


def corpus_path(corpus: Path | None) -> Path:
    """A corpus given on the command line (relative to the current directory), or the shared
    training corpus."""
    from repair import SHARED, project_path

    return corpus.absolute() if corpus is not None else project_path(
        f"{SHARED}/corpus/train.jsonl.gz")


def corpus_sentences(corpus: Path | None) -> list[str]:
    """The sentences of ``corpus``, by default the shared training corpus."""
    from repair.text import corpus_sentences as read

    return read(corpus_path(corpus))


def out_path(out: Path | None, default: str | None) -> Path:
    """An output given on the command line (relative to the current directory), or the
    config's default (relative to the project root)."""
    from repair import project_path

    if out is not None:
        return out.absolute()
    assert default is not None
    return project_path(default)


def abs_path(p: Path | None) -> str | None:
    return str(p.resolve()) if p is not None else None


def renamed(value: Any, old_value: Any, old: str, new: str) -> Any:
    """The value of option ``new``, or of its deprecated spelling ``old`` (with a warning)."""
    if old_value is None:
        return value
    console.print(f"warning: {old} is deprecated here; use {new}")
    return old_value if value is None else value


def queue_location(q: str | None) -> str | None:
    """A queue given on the command line: a PostgreSQL URL as it is, a file made absolute."""
    from repair.review.backends import is_url

    return q if q is None or is_url(q) else abs_path(Path(q))


def settings(config: Path | None, **overrides):
    """The run settings of ``config`` (default ``configs/run.yaml``) with the options given on
    the command line (dotted keys, None = not given)."""
    from repair.config import load_settings

    return load_settings(config, overrides)


def open_queue(path: str, config: Path | None = None, aliases: list[Path] | None = None):
    """An existing review queue, opened under the config's queue settings and alias tables."""
    from repair.config import load_aliases
    from repair.review import Queue

    run = settings(config)
    return Queue.from_settings(run.queue, path, aliases=load_aliases(run, aliases or []),
                               must_exist=True)


def measure_table(title: str, rows: Iterable[tuple[str, str]], **kw: Any) -> Table:
    """A two-column table of a report's rows (measure, value)."""
    table = Table(title=title, **kw)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def rows_table(title: str, rows: list[dict], keys: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for key in keys:
        table.add_column(key, justify="right")
    for r in rows:
        table.add_row(*("" if r.get(k) is None else str(r[k]) for k in keys))
    return table

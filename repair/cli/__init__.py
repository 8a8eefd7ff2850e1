"""Command line: thin Typer commands that load config, call one function, write output.

One module per command group: ``run`` (detect, run), ``review`` (review, export, apply,
aliases), ``evaluate`` (eval, bench), ``train`` (train, finetune, finetune-demo, models),
``names`` and ``queue``; ``common`` holds the options and helpers they share. Each command
parses its options, calls one library function that returns a report, and renders it.
"""

from __future__ import annotations

import logging
import signal
import sys

import typer
from rich.text import Text
from typer.core import TyperGroup

from repair.cli import evaluate, names, queue, review, run, train
from repair.cli.common import console
from repair.errors import RepairError

__all__ = ["app", "main"]



class _Commands(TyperGroup):
    """The command group: a ``RepairError`` is printed as one line and exits with its code,
    however the app is invoked (``main``, or ``typer.testing.CliRunner`` in the tests)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RepairError as exc:
            console.print(Text.assemble(("error:", "red"), " ", str(exc)), soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Find and repair machine-translation artifacts in Vietnamese news: "
                       "calqued or pinyin names, mangled terms, calqued phrases, English "
                       "leftovers, duplications. `repair run` scores every sentence, proposes "
                       "repairs and queues them for review; reviewers decide (`repair review`); "
                       "`repair apply` writes the repaired articles. An output is never "
                       "written over an input, a link, a device or a file or folder repair did "
                       "not write.")
for _group in (run, evaluate, review, train, names, queue):
    _group.register(app)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (temporary files) runs."""


def _on_sigterm(signum, frame) -> None:
    global _stopped_by
    _stopped_by = "SIGTERM"
    raise _Terminated()


_stopped_by = "Ctrl-C"
_INTERRUPTED = 130


def _interrupted() -> None:
    code = _INTERRUPTED if _stopped_by == "Ctrl-C" else 128 + signal.SIGTERM
    console.print(f"interrupted ({_stopped_by}): stopped before finishing; partial output "
                  "removed, queue work already committed kept", soft_wrap=True)
    sys.exit(code)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rc = app(standalone_mode=False)
    except KeyboardInterrupt:
        _interrupted()
    except RepairError as exc:
        console.print(Text.assemble(("error:", "red"), " ", str(exc)), soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # usage errors, from click or from Typer's own copy of it
        import click

        if isinstance(exc, (click.ClickException, typer.TyperException)) and hasattr(
            exc, "show"
        ):
            exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        if isinstance(exc, (click.exceptions.Abort, typer.Abort)):
            _interrupted()
        raise
    # Typer turns Ctrl-C into a returned 130 (and `typer.Exit(n)` into n) in this mode.
    if rc == _INTERRUPTED:
        _interrupted()
    if isinstance(rc, int) and rc:
        sys.exit(rc)


if __name__ == "__main__":
    main()

"""vi-repair: detect and repair machine-translation artifacts in Vietnamese text.

The pipeline, one package per stage: ``text`` (reading, NFC, sentences) -> ``detect`` (scores and
spans) -> ``rewrite`` (proposals) -> ``review`` (the queue, reviewers' decisions, export) ->
``train`` (the models); ``eval`` measures them, ``jobs`` runs them over files, ``cli`` drives it
all. ``ROOT`` is the project folder: relative paths in configs and settings defaults resolve
against it, wherever the process runs.
"""

from pathlib import Path

__version__ = "0.1.0"

__all__ = ["ROOT", "SHARED", "__version__", "project_path", "shown_path"]

ROOT = Path(__file__).resolve().parent.parent
# The shared corpora and lexicons, beside the project; like every relative path in settings, it is
# taken from ROOT (``project_path``), never from the working directory.
SHARED = "../shared/data"


def project_path(p: str | Path) -> Path:
    """``p`` resolved against the project root unless it is absolute."""
    q = Path(p).expanduser()
    return q if q.is_absolute() else (ROOT / q).resolve()


def shown_path(p: str | Path) -> str:
    """``p`` as output records name it: relative to the project root when inside it (so the
    same run from two checkouts writes the same bytes), else absolute. ``project_path`` reads
    it back."""
    q = Path(p).expanduser().resolve()
    try:
        return q.relative_to(ROOT).as_posix()
    except ValueError:
        return str(q)

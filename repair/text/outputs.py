"""Output paths: never overwrite an input or anything that is not a regular file, and write
through a temporary file beside the target so that no half-written output is ever left.

``os.replace`` onto a symbolic link, a FIFO or a device replaces that entry with a regular
file (as root, ``--out /dev/null`` would destroy the device), so such paths are refused before
any work starts rather than at the end. Every model and output gets its resolved settings
beside it (``save_settings``).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from repair.errors import ModelError, OutputError
from repair.text.guard import (
    MARKER,
    file_digest,
    hold_output,
    is_own_file,
    is_own_folder,
    mark_folder,
    mask_secrets,
    read_receipt,
)

__all__ = [
    "check_output", "check_output_folder", "same_file", "write_atomic", "save_settings",
    "settings_dict", "write_tsv_gz", "read_tsv_gz", "receipt_path", "write_receipt",
    "guarded_file", "guarded_folder",
]

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _kind(path: Path) -> str | None:
    """What stands at ``path`` if it is not a regular file; None if nothing or a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot inspect the output path ({exc.strerror})", path) from exc
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file (after links; hard links too)."""
    a, b = Path(a), Path(b)
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _input_files(inputs: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, inputs):
        if p.is_dir():
            files.extend(c for c in p.iterdir() if c.is_file())
        files.append(p)
    return files


def _make_parent(path: Path) -> None:
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} is not a folder; choose another output path", path)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {parent} ({exc.strerror}); choose a writable "
            "path",
            path,
        ) from exc


def _refuse_foreign_file(path: Path, receipt: Path, option: str, out: Path) -> None:
    """An existing regular file at ``path`` that the tool did not write is refused."""
    if path.exists() and not is_own_file(path, receipt):
        what = option if path == out else str(path)
        raise OutputError(
            f"{what} exists and was not written by repair (no matching "
            f"{receipt.name} beside it); refusing to replace it. Remove it or choose another "
            "path",
            out,
        )


def check_output(
    out: str | Path,
    inputs: Iterable[str | Path] = (),
    *,
    option: str = "--out",
    sidecars: Iterable[str] = (".partial",),
) -> Path:
    """Refuse ``out`` if it is an input (or the same file under another name), exists and is
    not a regular file, or is an existing file the tool did not write (its receipt
    ``OUT.config.yaml`` does not match it); create its folder. ``sidecars`` are suffixes of
    files written beside it (the temporary file, ...), checked the same way; the receipt and
    the lock file always are. A relative path is taken from the current directory; the
    absolute path is returned."""
    out = Path(out).absolute()
    kind = _kind(out)
    if kind == "a folder":
        raise OutputError(
            f"{option} is a folder; give a file path such as {out / 'out.jsonl'}", out
        )
    if kind is not None:
        raise OutputError(
            f"{option} exists and is {kind}, not a regular file; refusing to replace it. "
            "Choose another path",
            out,
        )
    files = _input_files(inputs)
    receipt = receipt_path(out)
    sides = dict.fromkeys((*sidecars, ".config.yaml", ".lock"))
    for path in (out, *(out.with_name(out.name + s) for s in sides)):
        for src in files:
            if same_file(path, src):
                raise OutputError(
                    f"{option} would overwrite the input {src}; write to another file", out
                )
        if path != out and (side := _kind(path)) is not None:
            raise OutputError(f"{path} exists and is {side}; remove it or choose another "
                              f"{option}", out)
    _refuse_foreign_file(out, receipt, option, out)
    if receipt.exists() and read_receipt(receipt) is None:
        raise OutputError(f"{receipt} exists and was not written by repair; refusing to "
                          f"replace it. Remove it or choose another {option}", out)
    _make_parent(out)
    return out


def receipt_path(out: str | Path) -> Path:
    """The settings file written beside a file output (``OUT.config.yaml``)."""
    out = Path(out)
    return out.with_name(out.name + ".config.yaml")


def write_receipt(out: str | Path, settings: Any = None, extra: Mapping[str, Any] | None = None,
                  *, command: str = "") -> Path:
    """Write ``OUT.config.yaml``: the resolved settings (if any), ``extra``, and what was
    written (SHA-256 and size), by which the tool recognises ``OUT`` as its own."""
    out = Path(out)
    output = {"bytes": out.stat().st_size,
              "sha256": file_digest(out), "written_by": f"repair {command}".strip()}
    data = dict(settings_dict(settings)) if settings is not None else {}
    save_settings(data, receipt_path(out), extra={**(extra or {}), "output": output})
    return receipt_path(out)


def check_output_folder(out: str | Path, *, option: str = "--out",
                        inputs: Iterable[str | Path] = (), command: str = "") -> Path:
    """Refuse a folder output that is a symbolic link, exists as something else, holds an
    input, or is a non-empty folder the tool did not write (no ``.repair-output`` marker);
    create it and mark it as the tool's. Returns the absolute path."""
    out = Path(out).absolute()
    if out.is_symlink():
        raise OutputError(f"{option} is a symbolic link; refusing to write through it. Give "
                          "the real folder or another path", out)
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"{option} must be a folder, but it exists as {_kind(out) or 'a file'}; choose "
            "another path",
            out,
        )
    for src in map(Path, inputs):
        folder = src if src.is_dir() else src.parent
        if same_file(out, folder):
            raise OutputError(f"{option} is the folder of the input {src}; its files would be "
                              "overwritten. Choose another folder", out)
    if out.is_dir() and any(out.iterdir()) and not is_own_folder(out, command):
        raise OutputError(
            f"{option} is a folder that `repair {command}` did not write (not empty, no "
            f"{MARKER} of it); refusing to mix files into it. Choose a new or empty folder",
            out,
        )
    _make_parent(out)
    try:
        out.mkdir(exist_ok=True)
        mark_folder(out, command)
    except OSError as exc:
        raise OutputError(f"cannot create the folder ({exc.strerror})", out) from exc
    return out


@contextmanager
def guarded_file(out: str | Path, inputs: Iterable[str | Path] = (), *, command: str,
                 option: str = "--out", settings: Any = None,
                 extra: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """The one way a command writes a file: ``check_output``, the exclusive lock while the
    body writes, and the receipt ``OUT.config.yaml`` once it has."""
    path = check_output(out, inputs, option=option)
    with hold_output(path, f"repair {command}"):
        yield path
        write_receipt(path, settings, extra, command=command)


@contextmanager
def guarded_folder(out: str | Path, inputs: Iterable[str | Path] = (), *, command: str,
                   option: str = "--out") -> Iterator[Path]:
    """The one way a command writes a folder (a model, ``apply``'s articles):
    ``check_output_folder`` and the exclusive lock while the body writes."""
    path = check_output_folder(out, option=option, inputs=inputs, command=command)
    with hold_output(path, f"repair {command}"):
        yield path


def write_atomic(target: str | Path, data: bytes, *, option: str = "--out") -> None:
    """Write ``data`` to ``target`` through ``target.partial``, removed whatever happens."""
    target = Path(target)
    kind = _kind(target)
    if kind is not None:
        raise OutputError(
            f"{option} target exists and is {kind}, not a regular file; refusing to replace it",
            target,
        )
    tmp = target.with_name(target.name + ".partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write the output ({exc.strerror})", target) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def write_tsv_gz(path: str | Path, rows: Iterable[Sequence[object]]) -> None:
    """``rows`` as a gzipped TSV (a mined table beside the models), through a temporary file
    beside ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
        for row in rows:
            fh.write("\t".join(map(str, row)) + "\n")
    tmp.replace(p)


def read_tsv_gz(path: str | Path, how_to_make: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, columns) of each line of a gzipped TSV; a missing file is a
    :class:`ModelError` that says ``how_to_make`` it."""
    p = Path(path)
    if not p.exists():
        raise ModelError(f"not found; {how_to_make}", p)
    with gzip.open(p, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            yield lineno, line.rstrip("\n").split("\t")


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def settings_dict(settings: Any) -> dict:
    """Settings as plain data (what ``save_settings`` writes)."""
    return _plain(settings)


def save_settings(settings: Any, path: str | Path, extra: Mapping[str, Any] | None = None) -> None:
    """Write the resolved settings as YAML (beside every model and output), every URL
    password masked."""
    data = _plain(settings)
    if extra:
        data = {**data, **_plain(extra)}
    data = mask_secrets(data)
    Path(path).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

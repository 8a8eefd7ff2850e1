"""What makes an output path safe to write, beyond its kind (``outputs.check_output``):
whether an existing file or folder is the tool's own, one writer at a time, and no secret in
a written file.

- **Ownership.** A file output gets its settings beside it (``OUT.config.yaml``) with the
  SHA-256 of what was written (``write_receipt``); an existing ``OUT`` is replaced only when
  that receipt matches it, so a user's file of the same name, or an output the user has since
  edited, is never replaced. A folder output (a model, ``apply``'s articles, an HF dataset)
  gets a marker file ``.repair-output``; an existing non-empty folder without it is refused.
- **One writer.** ``hold_output`` takes an exclusive ``flock`` on ``OUT.lock`` for as long
  as a command writes ``OUT``; a second command on the same output is refused with the first
  one's pid, command and start time. The lock file is removed when the writer finishes (a
  stale one, left by a killed process, holds no lock and is taken over).
- **No secret.** ``mask_secrets`` replaces the password of every URL in settings
  (``postgresql://user:PASSWORD@host/db`` -> ``postgresql://user:***@host/db``) before they
  are written or printed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from repair.errors import OutputError

__all__ = ["MARKER", "OutputLock", "file_digest", "hold_output", "is_own_file",
           "is_own_folder", "mark_folder", "mask_secrets", "mask_url", "read_receipt"]

MARKER = ".repair-output"  # in every folder the tool writes (models, apply's articles, ...)
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):(?P<pw>[^@/\s]*)@")


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (SQLAlchemy's
    ``URL`` shows it so)."""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}:***@", text)


def mask_secrets(data: Any) -> Any:
    """Plain settings data with every URL password masked (strings at any depth)."""
    if isinstance(data, str):
        return mask_url(data)
    if isinstance(data, Mapping):
        return {k: mask_secrets(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [mask_secrets(v) for v in data]
    return data


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_receipt(receipt: Path) -> dict | None:
    """The ``output`` block of a settings file the tool wrote; None when ``receipt`` is not
    one (missing, not a regular file, not our YAML)."""
    import yaml

    try:
        if not receipt.is_file() or receipt.is_symlink() or receipt.stat().st_size > 1 << 22:
            return None
        data = yaml.safe_load(receipt.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    out = data.get("output")
    if isinstance(out, dict) and "sha256" in out:
        return out
    if "mode" in data and "alias_digest" in data:  # a job's settings from before receipts
        return {"legacy": True}
    return None


def is_own_file(out: Path, receipt: Path) -> bool:
    """Whether the regular file ``out`` is what the tool last wrote there (its receipt's
    digest matches)."""
    info = read_receipt(receipt)
    if info is None:
        return False
    if info.get("legacy"):
        return True
    try:
        return out.stat().st_size == info.get("bytes") and file_digest(out) == info["sha256"]
    except OSError:
        return False


def is_own_folder(folder: Path, command: str = "") -> bool:
    """Whether ``folder`` holds the marker of ``command`` (a model folder is not ``apply``'s
    output, and the other way round); any command's marker when ``command`` is empty."""
    marker = folder / MARKER
    if not marker.is_file() or marker.is_symlink():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(info, dict) and (not command or _kind_of(info.get("command")) ==
                                       _kind_of(command))


def _kind_of(command: object) -> str:
    """What a folder holds, by the command that wrote it: a model, or that command's output."""
    c = str(command)
    return "model" if c.startswith(("train", "finetune")) and c != "finetune-demo" else c


def mark_folder(folder: Path, command: str) -> None:
    """Write the marker that lets the tool recognise ``folder`` as its own."""
    marker = folder / MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"written_by": "repair", "command": command,
                                      "created": _now()}) + "\n", encoding="utf-8")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


_HELD: set[int] = set()  # descriptors of the output locks this process holds


def _drop_inherited_locks() -> None:
    """In a forked child: close the copies of the parent's lock descriptors. An flock lives
    as long as any copy is open, so a worker that outlived its killed parent would otherwise
    keep the output locked against ``--resume``; closing a copy leaves the parent's lock."""
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


class OutputLock:
    """An exclusive lock on ``OUT.lock`` while a command writes ``OUT``; ``release`` (or the
    end of a ``with`` block) frees it and removes the lock file."""

    def __init__(self, out: Path, command: str):
        self.path = out.with_name(out.name + ".lock")
        self.out, self.command, self._fd = out, command, None

    def acquire(self) -> OutputLock:
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                raise OutputError(f"cannot create the lock file {self.path} ({exc.strerror}); "
                                  "choose a writable output path", self.out) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip()
                os.close(fd)
                raise OutputError(
                    f"another job is writing this output ({_describe(holder)}); wait for it to "
                    "finish or choose another output path", self.out) from None
            # the file may have been removed by the previous holder after we opened it
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, json.dumps({"pid": os.getpid(), "command": self.command,
                                         "started": _now()}).encode())
                self._fd = fd
                _HELD.add(fd)
                return self
            os.close(fd)
        raise OutputError("could not take the output's lock; try again", self.out)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            _HELD.discard(self._fd)
            os.close(self._fd)  # closing frees the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire() if self._fd is None else self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return (f"pid {info['pid']}, `{info['command']}`, started {info['started']}")
    except (ValueError, KeyError, TypeError):
        return "a lock file held by another process"


def hold_output(out: str | Path, command: str) -> OutputLock:
    """Take the exclusive lock on ``out`` for ``command`` (refused while another holds it)."""
    return OutputLock(Path(out), command).acquire()

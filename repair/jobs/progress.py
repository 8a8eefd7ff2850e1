"""Where a job stands: the committed position that ``--resume`` continues from, and the
progress shown while it runs."""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from pathlib import Path

from repair.config import Settings
from repair.errors import ConfigError
from repair.text import input_files

__all__ = ["Progress", "Meter", "job_key", "count_documents"]

log = logging.getLogger(__name__)


def count_documents(inputs: list) -> int | None:
    """Documents in the input when that is cheap to know (only .txt files), else None."""
    files = list(input_files(inputs))
    if all(f.suffix == ".txt" for f in files):
        return len(files)
    return None


class Meter:
    """A progress bar (documents, segments/s, ETA when the total is known) on a terminal; a
    log line every 30 s otherwise."""

    def __init__(self, summary, total: int | None):
        import sys

        from tqdm import tqdm

        self.summary, self.t0, self.last = summary, time.perf_counter(), time.perf_counter()
        self.bar = tqdm(total=total, initial=summary.documents, unit="doc", desc="repair",
                        disable=not sys.stderr.isatty(), leave=False)

    def update(self, documents: int) -> None:
        now = time.perf_counter()
        rate = self.summary.segments / max(now - self.t0, 1e-9)
        self.bar.update(documents)
        self.bar.set_postfix(segments=self.summary.segments, seg_s=f"{rate:.0f}", refresh=False)
        if self.bar.disable and now - self.last >= 30:
            log.info("%d documents, %d segments, %.0f segments/s", self.summary.documents,
                     self.summary.segments, rate)
            self.last = now

    def close(self) -> None:
        self.bar.close()


def job_key(settings: Settings, inputs: list, mode: str, aliases,
             batch_segments: int) -> str:
    """What a partial output depends on: settings, alias tables, inputs (paths, sizes and
    times), mode and batch size."""
    import hashlib

    from repair.text.outputs import settings_dict

    files = sorted(str(p) for p in list(input_files(inputs)))
    stamp = [(f, os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]
    blob = json.dumps([settings_dict(settings), aliases.digest, stamp, mode, batch_segments],
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Progress:
    """The committed position of a job in ``<out>.partial.progress``: documents written and
    the byte length of the partial output after them, with the summary so far. Saved after
    every batch once the output is on disk and the queue committed."""

    def __init__(self, tmp: Path, key: str):
        self.path = tmp.with_name(tmp.name + ".progress")
        self.tmp, self.key, self.bytes = tmp, key, 0

    def restore(self, summary) -> int:
        """Documents already done (0 = start from scratch), with ``summary`` brought up to
        date; refuses a partial output made by another job."""
        if not (self.path.exists() and self.tmp.exists()):
            log.info("nothing to resume for %s: starting from the beginning", self.tmp)
            return 0
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data["key"] != self.key:
            raise ConfigError("the partial output was made with other settings or inputs; "
                              "run without --resume to start again", self.tmp)
        self.bytes = data["bytes"]
        for name, value in data["summary"].items():
            current = getattr(summary, name)
            setattr(summary, name, Counter(value) if isinstance(current, Counter) else value)
        log.info("resuming %s after %d documents", self.tmp, data["documents"])
        return data["documents"]

    def save(self, fh, summary) -> None:
        fh.flush()
        os.fsync(fh.fileno())
        counts = {k: getattr(summary, k) for k in (
            "documents", "segments", "flagged", "changed", "queued_new", "categories",
            "sources", "checks")}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"key": self.key, "documents": summary.documents,
                                   "bytes": fh.tell(), "summary": counts}), encoding="utf-8")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

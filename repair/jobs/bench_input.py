"""``repair bench segment``: the cost of input shape. The same sentences are laid out as a text
with line breaks, as one long line, and as one JSONL record (with and without line breaks),
and each file goes through the whole ``repair detect`` job (or the segmenter alone).

A segmenter that rescans the line before each candidate boundary is quadratic in the line
length; this shows whether one line costs what the same text with line breaks does.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.config import Settings
from repair.jobs.local import run_job
from repair.text import read_documents
from repair.text.segment import split_sentences

__all__ = ["ShapeResult", "bench_shapes", "shape_files"]


@dataclass(frozen=True)
class ShapeResult:
    case: str
    chars: int
    segments: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: steadier on a shared machine
    baseline: str  # the case this one is compared with

    def ratio(self, results: Sequence[ShapeResult]) -> float:
        """CPU time relative to the baseline case's."""
        base = next(r for r in results if r.case == self.baseline)
        return self.cpu_seconds / base.cpu_seconds if base.cpu_seconds else float("nan")


def _first_bytes(sentences: Sequence[str], size: int) -> list[str]:
    out: list[str] = []
    total = 0
    for s in sentences:
        if total >= size:
            break
        out.append(s)
        total += len(s.encode("utf-8")) + 1
    return out


def shape_files(sentences: Sequence[str], folder: Path, size_bytes: int, n_record: int
                ) -> dict[str, tuple[Path, str]]:
    """Write the four layouts into ``folder``: case -> (file, the case it is compared with).
    The text files hold the first ``size_bytes`` of ``sentences`` (cycled if short), the
    records ``n_record`` sentences."""
    def cycled(n: int) -> list[str]:
        return [sentences[i % len(sentences)] for i in range(n)]

    text = _first_bytes(cycled(max(n_record, size_bytes // 20)), size_bytes)
    record = cycled(n_record)
    files = {
        "text with line breaks": ("broken.txt", "\n".join(text) + "\n", "text with line breaks"),
        "text as one line": ("single.txt", " ".join(text) + "\n", "text with line breaks"),
        "record with line breaks": (
            "record_broken.jsonl",
            json.dumps({"id": "r", "text": "\n".join(record)}, ensure_ascii=False) + "\n",
            "record with line breaks",
        ),
        "record as one line": (
            "record_single.jsonl",
            json.dumps({"id": "r", "text": " ".join(record)}, ensure_ascii=False) + "\n",
            "record with line breaks",
        ),
    }
    out = {}
    for case, (name, content, base) in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        out[case] = (path, base)
    return out


def bench_shapes(sentences: Sequence[str], settings: Settings, *, size_bytes: int = 1_000_000,
                 n_record: int = 20_000, stage: str = "detect") -> list[ShapeResult]:
    """Seconds per layout for ``stage``: ``detect`` (the whole ``repair detect`` job: read,
    segment, detect, write) or ``segment`` (reading and the sentence splitter only)."""
    if stage not in ("detect", "segment"):
        raise ValueError(f"stage must be 'detect' or 'segment', not {stage!r}")
    if not sentences:
        raise ValueError("no sentences to lay out")
    settings = dataclasses.replace(settings, unit="document", queue=dataclasses.replace(
        settings.queue, path=None))
    results = []
    with tempfile.TemporaryDirectory(prefix="repair-bench-") as tmp:
        folder = Path(tmp)
        if stage == "detect":  # load the model and warm caches outside the timings
            warm = folder / "warm.txt"
            warm.write_text("\n".join(sentences[:200]) + "\n", encoding="utf-8")
            run_job([warm], folder / "warm.jsonl", settings, mode="detect")
        for case, (path, base) in shape_files(sentences, folder, size_bytes, n_record).items():
            chars = sum(len(d.text) for d in read_documents([path]))
            t0, c0 = time.perf_counter(), time.process_time()
            if stage == "detect":
                segments = run_job([path], folder / "out.jsonl", settings, mode="detect").segments
            else:
                segments = sum(len(split_sentences(d.text)) for d in read_documents([path]))
            results.append(ShapeResult(case, chars, segments, time.perf_counter() - t0,
                                       time.process_time() - c0, base))
    return results

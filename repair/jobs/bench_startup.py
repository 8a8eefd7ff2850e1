"""``repair bench startup``: what a one-sentence ``repair run`` costs from a cold process.

Each repetition starts a fresh ``python -m repair run ONE.txt --out OUT`` (wall clock around
the process, peak RSS from ``wait4``), with ``REPAIR_TIMING`` set so that the child writes its
load and stage timers (:mod:`repair.text.timing`) when it exits; one more run under
``python -X importtime`` gives the import time of each package (its modules' own time,
summed). With ``base`` (another checkout of the project, e.g. a ``git worktree`` of an older
commit) the same runs of that code are interleaved with these, so that both are measured in
the same minutes of a shared machine; medians are reported.

The cases: a flagged sentence with a span only the rewriter repairs (the model is loaded and
run) and a clean corpus sentence (nothing flagged). Figures, not pass/fail.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from repair import ROOT
from repair.text.timing import ENV

__all__ = ["CASES", "bench_startup", "import_times", "run_once"]

# a duplicated phrase (the rewriter's span) beside an alias variant; and a clean sentence
CASES = {
    "flagged, rewriter span": "Ông Onodera Watanabe đã đánh giá cao vai trò và vai trò của quân "
                              "đội nhân dân Việt Nam trong hợp tác trong khu vực.",
    "clean": "Hà Nội hôm nay trời nắng, nhiệt độ cao nhất khoảng 35 độ.",
}


def run_once(root: Path, text_file: Path, work: Path, *, importtime: bool = False,
             python: str = sys.executable) -> dict:
    """One cold ``repair run`` of ``text_file`` with the code in ``root``: wall seconds, peak
    RSS (MB), the child's timers and, with ``importtime``, its import log."""
    out = work / f"out-{time.monotonic_ns()}.jsonl"
    timing = work / f"timing-{time.monotonic_ns()}.json"
    env = {**os.environ, "PYTHONPATH": str(root), ENV: str(timing)}
    cmd = [python, *(["-X", "importtime"] if importtime else []), "-m", "repair", "run",
           str(text_file), "--out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE if importtime else subprocess.DEVNULL,
                            text=True)
    err = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    timers = json.loads(timing.read_text(encoding="utf-8")) if timing.exists() else {}
    return {"wall": wall, "peak_mb": usage.ru_maxrss / 1024, "timers": timers,
            "imports": err}


_IMPORT_RE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)")


def import_times(log: str, top: int = 12) -> list[tuple[str, float]]:
    """Seconds spent in each top-level package's own modules (``-X importtime`` self times,
    summed by the first part of the module name), largest first."""
    per: Counter = Counter()
    for m in _IMPORT_RE.finditer(log):
        per[m.group(2).split(".")[0]] += int(m.group(1))
    return [(k, v / 1e6) for k, v in per.most_common(top)]


def bench_startup(repeats: int = 5, base: Path | None = None,
                  cases: dict[str, str] | None = None) -> dict:
    """Median wall and peak memory of cold one-sentence runs per case and code ("this", and
    "base" with ``base``), this code's timers (median per name) and the import breakdown."""
    cases = cases or CASES
    codes = {"this": ROOT} | ({"base": Path(base).resolve()} if base else {})
    runs: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="repair-startup-") as tmp:
        work = Path(tmp)
        files = {}
        for i, (label, text) in enumerate(cases.items()):
            files[label] = work / f"one{i}.txt"
            files[label].write_text(text + "\n", encoding="utf-8")
        for label in cases:  # warm the file cache and build prepared tables, untimed
            for root in codes.values():
                run_once(root, files[label], work)
        for _ in range(repeats):
            for label in cases:
                for code, root in codes.items():  # interleaved: same minutes, same load
                    runs.setdefault((label, code), []).append(run_once(root, files[label], work))
        imports = {code: import_times(run_once(root, files[next(iter(cases))], work,
                                               importtime=True)["imports"])
                   for code, root in codes.items()}
    rows = []
    for (label, code), rs in runs.items():
        rows.append({"case": label, "code": code, "runs": len(rs),
                     "wall_s": round(statistics.median(r["wall"] for r in rs), 2),
                     "wall_min_s": round(min(r["wall"] for r in rs), 2),
                     "peak_mb": round(statistics.median(r["peak_mb"] for r in rs), 1)})
    parts = {}
    for label in cases:
        rs = runs[(label, "this")]
        names = dict.fromkeys(n for r in rs for n in r["timers"])
        parts[label] = [(n, round(statistics.median(r["timers"].get(n, {}).get("seconds", 0.0)
                                                    for r in rs), 3)) for n in names]
    return {"rows": rows, "parts": parts, "imports": imports}

"""Base against this checkout, interleaved on the same machine: issue #26's figures.

    git worktree add --detach ../base-26 75fef37      # the code before (read-only use)
    PYTHONPATH=. python scripts/bench_base_vs_new.py --base ../base-26 [--repeats 3]

Runs, alternating base and this code each repetition (so both see the same load on a shared
machine), and prints medians:

- ``repair bench startup --base``: cold one-sentence ``repair run`` (wall, peak RSS), itself
  interleaved;
- ``repair bench run``: whole jobs, the sample articles repeated (2,001 sentences, rewriter on)
  and 5,000 clean corpus sentences, input sentences per second and peak memory;
- ``repair bench rewrite``: spans per second of the rewriter alone (batch 1 and 64).

Each command runs in its own process with ``PYTHONPATH`` set to the checkout it measures.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(root: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "250"}
    res = subprocess.run([sys.executable, "-m", "repair", *args], cwd=root, env=env,
                         capture_output=True, text=True, check=True)
    return res.stdout


def _rows(text: str, first: str) -> list[list[str]]:
    """The cells of a rich table's rows whose first cell starts with ``first``."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0].startswith(first):
            out.append(cells)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="checkout of the base commit")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    codes = {"base": a.base.resolve(), "this": ROOT}
    print(_run(ROOT, "bench", "startup", "--repeats", str(max(3, a.repeats)),
               "--base", str(codes["base"])))
    jobs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    spans: dict[tuple[str, str], list[float]] = {}
    for _ in range(a.repeats):
        for code, root in codes.items():
            out = _run(root, "bench", "run")
            for label in ("sample articles (MT)", "clean corpus sentences"):
                for cells in _rows(out, label):
                    jobs.setdefault((label, code), []).append((float(cells[8]),
                                                               float(cells[9])))
            out = _run(root, "bench", "rewrite")
            for line in out.splitlines():
                cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
                if len(cells) >= 6 and cells[0] in ("numpy", "torch"):  # this code's table
                    spans.setdefault((cells[2], code), []).append(float(cells[5]))
                elif len(cells) == 5 and cells[1].isdigit():  # the base's table
                    spans.setdefault((cells[1], code), []).append(float(cells[4]))
    print(f"whole jobs, median of {a.repeats} (input sentences/s, peak MB):")
    for (label, code), vals in sorted(jobs.items()):
        print(f"  {label:24s} {code:5s} {statistics.median(v[0] for v in vals):8.1f} /s "
              f"{statistics.median(v[1] for v in vals):7.1f} MB   runs: "
              + ", ".join(f"{v[0]:.0f}" for v in vals))
    print(f"rewriter alone, median of {a.repeats} (spans/s):")
    for (batch, code), vals in sorted(spans.items()):
        print(f"  batch {batch:4s} {code:5s} {statistics.median(vals):8.1f}   runs: "
              + ", ".join(f"{v:.0f}" for v in vals))


if __name__ == "__main__":
    main()

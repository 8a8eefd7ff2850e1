"""Are this checkout's `repair run` outputs byte-equal to a base checkout's? (issue #26)

    PYTHONPATH=. python scripts/compare_outputs.py --base ../base-26

Inputs, neither tuned on: the sample articles, and 1,248 held-out dev-corpus sentences (after
the first 20,000, which evaluation and benches read; up to 40 words), 750 of them corrupted by
the synthetic artifact families with a seed no evaluation uses and names substituted, the rest
left clean. Each checkout runs ``repair run`` on each input in its own process; the outputs
are compared with the checkouts' own paths (alias-table rows in ``replacements``) blanked.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def heldout_input(path: Path, seed: int = 4242) -> Path:
    from repair.config import load_settings
    from repair.eval.bench import bench_sentences
    from repair.synth import SynthSettings, generate

    clean = load_settings().eval.clean
    sents = [s for s in bench_sentences(clean, 21_500)[20_000:] if len(s.split()) <= 40]
    pairs = list(generate(sents[:750], SynthSettings(seed=seed, rate=1.0,
                                                     substitute_names=True)))
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate([p.corrupted for p in pairs] + sents[750:]):
            fh.write(json.dumps({"id": f"c{i}", "text": t}, ensure_ascii=False) + "\n")
    return path


def run(root: Path, inp: Path, out: Path, *extra: str) -> tuple[bytes, float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "repair", "run", str(inp), "--out", str(out), *extra],
                   cwd=root, env=env, check=True, capture_output=True)
    return out.read_bytes().replace(str(root).encode(), b"<ROOT>"), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=Path, required=True)
    a = ap.parse_args()
    base = a.base.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = {"sample articles": (ROOT / "samples" / "seeds", ()),
                 "held-out sentences": (heldout_input(work / "heldout.jsonl"),
                                        ("--unit", "sentence"))}
        same = True
        for label, (inp, extra) in cases.items():
            b, tb = run(base, inp, work / "base.jsonl", *extra)
            n, tn = run(ROOT, inp, work / "this.jsonl", *extra)
            lines = b.count(b"\n")
            diff = sum(x != y for x, y in zip(b.splitlines(), n.splitlines(), strict=False))
            same &= b == n
            print(f"{label}: {lines} records, {'byte-equal' if b == n else f'{diff} differ'}"
                  f" (base {tb:.1f} s, this {tn:.1f} s, cold process each)")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()

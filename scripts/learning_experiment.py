"""Learning from reviewers, through the command line only, on edit kinds built from the corpus.

For each kind (``repair.eval.edit_kinds``: phrase, order, word, deletion):

1. ``repair run POOL --unit sentence --queue Q --queue-all --rewriter BASE``;
2. per item, ``repair review next`` then ``repair review edit ID --text CORRECT --force``
   (or ``review accept`` where the proposal already is the correct text): a simulated
   reviewer who writes the clean corpus sentence;
3. ``repair finetune --queue Q --base BASE --out NEW`` (timed; ``--config`` optional);
4. ``repair run FILE --unit sentence --rewriter BASE|NEW`` on held-out sentences of the kind,
   on clean held-out sentences, and on the correctly written held-out sentences of the
   same construction.

Reported per kind, base vs fine-tuned: held-out sentences fixed exactly (the output equals
the clean sentence), clean sentences unchanged, correct sentences of the construction
unchanged. Every step goes through ``repair.cli.app`` (Typer's ``CliRunner``, in-process: the
commands' own code path, without a Python start-up per review decision).

    PYTHONPATH=$PWD python scripts/learning_experiment.py --kind phrase --kind order \\
        --base models/rewriter --work out/learning
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repair import SHARED, project_path  # noqa: E402
from repair.eval.edit_kinds import KINDS, build_kind  # noqa: E402
from repair.text import corpus_sentences  # noqa: E402

__all__ = ["cli", "experiment", "review_all"]

CORPUS = project_path(f"{SHARED}/corpus/train.jsonl.gz")
CLEAN = project_path(f"{SHARED}/corpus/dev.jsonl.gz")


def cli(*args) -> str:
    """``repair ARGS...`` in-process; its stdout. Raises on a non-zero exit."""
    from typer.testing import CliRunner

    from repair.cli import app

    res = CliRunner().invoke(app, [str(a) for a in args], prog_name="repair")
    if res.exit_code != 0:
        raise RuntimeError(f"repair {' '.join(map(str, args))} -> {res.exit_code}\n"
                           f"{res.stdout}\n{res.stderr}\n{res.exception!r}")
    return res.stdout


def _write(path: Path, texts: list[str], prefix: str) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"{prefix}{i}", "text": t}, ensure_ascii=False) + "\n")
    return path


def review_all(queue: Path, correct_of: dict[str, str], reviewer: str = "sim") -> dict:
    """Work through the queue with ``review next``/``edit``/``accept``; counts."""
    counts = {"edit": 0, "accept": 0, "flagged_edited": 0, "unflagged_edited": 0}
    while True:
        out = cli("review", "next", "--queue", queue, "--reviewer", reviewer).strip()
        if not out.startswith("{"):
            return counts
        item = json.loads(out)
        final = correct_of.get(item["text"], item["text"])
        if item["proposal"] == final:
            cli("review", "accept", item["id"], "--queue", queue, "--reviewer", reviewer,
                "--force")
            counts["accept"] += 1
        else:
            cli("review", "edit", item["id"], "--queue", queue, "--reviewer", reviewer,
                "--text", final, "--force")
            counts["edit"] += 1
            counts["flagged_edited" if item["spans"] else "unflagged_edited"] += 1


def _outputs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _share(hits: list[bool]) -> list[int]:
    return [sum(hits), len(hits)]


def experiment(kind: str, base: Path, work: Path, n_pool: int = 100, n_held: int = 80,
               n_clean: int = 300, n_filler: int = 20, config: Path | None = None,
               corpus: Path = CORPUS, clean_corpus: Path = CLEAN, skip: int = 0) -> dict:
    """The whole loop for one kind; the report (also written to ``work/report.json``)."""
    work.mkdir(parents=True, exist_ok=True)
    sample = build_kind(kind, corpus, n_pool, n_held, skip=skip)
    filler = [s for s in corpus_sentences(corpus, max_words=30, limit=5000)[-n_filler:]
              if not KINDS[kind].pattern.search(s)] if n_filler else []
    pool = [m for m, _ in sample.pool] + filler
    correct_of = dict(sample.pool)
    queue = work / "queue.db"
    queue.unlink(missing_ok=True)
    cli("run", _write(work / "pool.jsonl", pool, "p"), "--unit", "sentence", "--out",
        work / "pool.out.jsonl", "--queue", queue, "--queue-all", "--rewriter", base)
    t0 = time.perf_counter()
    reviewed = review_all(queue, correct_of)
    review_s = time.perf_counter() - t0
    new = work / "model"
    t0 = time.perf_counter()
    cli("finetune", "--queue", queue, "--base", base, "--out", new,
        *(["--config", config] if config else []))
    finetune_s = time.perf_counter() - t0
    held = _write(work / "held.jsonl", [m for m, _ in sample.held], "h")
    right = _write(work / "correct.jsonl", [c for _, c in sample.held], "r")
    clean = _write(work / "clean.jsonl", corpus_sentences(clean_corpus, max_words=40,
                                                          limit=n_clean), "c")
    report: dict = {"kind": kind, "pool": len(sample.pool), "filler": len(filler),
                    "held": len(sample.held), "reviewed": reviewed,
                    "review_seconds": round(review_s, 1),
                    "finetune_seconds": round(finetune_s, 1), "models": {}}
    info = json.loads((new / "finetune.json").read_text(encoding="utf-8"))
    report["edits_train"] = info["edits_train"]
    report["patterns"] = info.get("patterns", [])
    report["templates"] = info.get("templates", [])
    report["layer"] = {k: info.get("layer", {}).get(k) for k in (
        "threshold", "edited_sentences_caught", "edited_sentences", "clean_heldout_flagged",
        "clean_heldout")}
    for name, model in (("base", base), ("fine-tuned", new)):
        res = {}
        for label, path, want in (("held-out fixed exactly", held, [c for _, c in sample.held]),
                                  ("correct construction unchanged", right, None),
                                  ("clean unchanged", clean, None)):
            out = work / f"{path.stem}.{name}.jsonl"
            cli("run", path, "--unit", "sentence", "--out", out, "--rewriter", model)
            recs = _outputs(out)
            goal = want if want is not None else [r["text"] for r in recs]
            res[label] = _share([r["proposal"] == g for r, g in zip(recs, goal, strict=True)])
            if want is not None:
                res["held-out flagged"] = _share([r["flagged"] for r in recs])
        report["models"][name] = res
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    return report


def table(report: dict) -> str:
    """A markdown table, base vs fine-tuned."""
    rows = [f"**{report['kind']}** ({report['edits_train']} training edits, fine-tuning "
            f"{report['finetune_seconds']} s)", "", "| measure | base | fine-tuned |",
            "|---|---|---|"]
    for k in report["models"]["base"]:
        cells = [f"{v[0]}/{v[1]} = {v[0] / max(v[1], 1):.3f}"
                 for v in (report["models"][m][k] for m in ("base", "fine-tuned"))]
        rows.append(f"| {k} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", action="append", choices=sorted(KINDS), required=True)
    ap.add_argument("--base", type=Path, default=ROOT / "models" / "rewriter")
    ap.add_argument("--work", type=Path, default=ROOT / "out" / "learning")
    ap.add_argument("--config", type=Path, default=None, help="finetune config (YAML)")
    ap.add_argument("--n-pool", type=int, default=100)
    ap.add_argument("--n-held", type=int, default=80)
    ap.add_argument("--n-clean", type=int, default=300)
    ap.add_argument("--skip", type=int, default=300_000,
                    help="corpus sentences passed over when building kinds: fine-tuning's "
                         "clean statistics read the first 300,000, so none is held out")
    a = ap.parse_args()
    for kind in a.kind:
        rep = experiment(kind, a.base, a.work / kind, a.n_pool, a.n_held, a.n_clean,
                         config=a.config, skip=a.skip)
        print(table(rep), "\n", json.dumps({k: rep[k] for k in (
            "reviewed", "patterns", "templates", "layer", "review_seconds")},
            ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

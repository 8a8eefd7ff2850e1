"""``repair bench run`` and ``repair bench segment``: whole jobs, timed beside the jobs they run.

Figures, not pass/fail: speed targets are read off these numbers, never asserted in tests.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from repair import ROOT
from repair.config import Settings
from repair.eval.bench import bench_sentences, peak_rss_mb, synthetic_inputs
from repair.jobs.local import run_job
from repair.text import read_documents, segment_documents, timing

__all__ = ["bench_run", "bench_runs", "corpus_as_jsonl", "repeated_articles",
           "synthetic_as_jsonl"]


def bench_runs(settings: Settings, *, mt_sentences: int = 2000, clean_n: int = 5000,
               synthetic_n: int = 0, workers: Sequence[int] = (1,), ray: bool = False,
               rewriter_off: bool = False) -> list[dict]:
    """``bench_run`` on MT text (the sample articles repeated to ``mt_sentences``) with each
    worker count (and on Ray, and without the rewriter, when asked), then on ``synthetic_n``
    held-out sentences each given a synthetic artifact, then on ``clean_n`` clean corpus
    sentences."""
    rows = []
    mt_label = "sample articles (MT)"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mt = repeated_articles(ROOT / "samples" / "seeds", mt_sentences, work / "mt")
        # the warm-up reads one copy of every article, so that what loads on first need
        # (the Japanese reader, the name resolver) is loaded before the clock starts
        first = [p for p in mt if p.name.startswith("0000_")]
        rows += [bench_run(settings, mt, work, mt_label, w, warmup=first) for w in workers]
        if ray:
            rows.append(bench_run(settings, mt, work, mt_label, engine="ray", warmup=first))
        if rewriter_off:
            off = dataclasses.replace(settings, rewrite=dataclasses.replace(settings.rewrite,
                                                                              model=None))
            rows += [bench_run(off, mt, work, mt_label, w, warmup=first) for w in workers]
        if settings.eval.clean and synthetic_n:
            sents = synthetic_as_jsonl(settings.eval.clean, synthetic_n, work / "synth.jsonl")
            unit = dataclasses.replace(settings, unit="sentence")
            rows += [bench_run(unit, [sents], work, "held-out sentences, synthetic artifacts", w,
                               warmup=first) for w in workers]
        if settings.eval.clean and clean_n:
            sents = corpus_as_jsonl(settings.eval.clean, clean_n, work / "clean.jsonl")
            unit = dataclasses.replace(settings, unit="sentence")
            rows += [bench_run(unit, [sents], work, "clean corpus sentences", w, warmup=first)
                     for w in workers]
    return rows


def bench_run(settings: Settings, inputs: list[Path], work: Path, label: str, workers: int = 1,
              engine: str = "local", warmup: list[Path] | None = None) -> dict:
    """Input sentences per second and peak memory of a whole ``repair run`` job over
    ``inputs`` (start-up excluded: models are loaded by a warm-up job over ``warmup``, default
    the first input, first; the rewriter's span cache is emptied after it; worker processes
    and Ray actors start inside the timed run; peak memory is this process's)."""
    run_job(warmup or inputs[:1], work / "warmup.jsonl", settings)
    if settings.rewrite.model:
        from repair.rewrite.model import load_rewriter

        rewriter = load_rewriter(str(settings.rewrite.model), settings.rewrite.device)
        rewriter.clear_cache()  # the timed run pays for the model, not the cache
    was_on = timing.enabled()
    timing.enable()  # the stage timers of this process (workers and Ray actors: not counted)
    timing.reset()
    t0 = time.perf_counter()
    if engine == "ray":
        from repair.jobs.ray_engine import run_job_ray

        summary = run_job_ray(inputs, work / f"{label}.ray.jsonl", settings)
    else:
        summary = run_job(inputs, work / f"{label}.jsonl", settings, workers=workers)
    dt = time.perf_counter() - t0
    stages = {k: round(v, 3) for k, (v, _) in timing.totals().items()}
    if not was_on:
        timing.disable()
    return {
        "input": label,
        "engine": engine,
        "workers": workers if engine == "local" else "actors",
        "rewriter": Path(settings.rewrite.model).name if settings.rewrite.model else "alias-v1",
        "sentences": summary.segments,
        "flagged_share": round(summary.flagged / max(1, summary.segments), 3),
        "changed": summary.changed,
        "seconds": round(dt, 2),
        "sentences_per_s": round(summary.segments / dt, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # a forked worker shares the parent's loaded pages until it writes to them, so this
        # overstates what it adds; ended workers of earlier runs count too
        "worker_peak_rss_mb": round(peak_rss_mb(children=True), 1) if workers > 1 else None,
        "stages": stages,  # seconds per timer (repair.text.timing); nested ones count twice
    }


def repeated_articles(folder: Path, n_sentences: int, out_dir: Path) -> list[Path]:
    """Copies of the articles in ``folder`` until about ``n_sentences`` sentences."""
    docs = list(read_documents([folder]))
    per = sum(len(list(segment_documents([d]))) for d in docs)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(max(1, round(n_sentences / max(1, per)))):
        for d in docs:
            p = out_dir / f"{k:04d}_{Path(d.path).name}"
            p.write_text(d.text, encoding="utf-8")
            paths.append(p)
    return paths


def synthetic_as_jsonl(source: str | Path, n: int, out: Path, seed: int = 4242) -> Path:
    """``n`` corpus sentences past the first 20,000 (which evaluation reads), each corrupted
    by one synthetic artifact family: MT-like text in which no sentence repeats, so the
    rewriter's span cache cannot stand in for the model (the repeated articles let it)."""
    texts = synthetic_inputs(source, n, seed, max_words=None, skip=20_000,
                             substitute_names=True)
    return _as_jsonl(texts, out, "x")


def corpus_as_jsonl(source: str | Path, n: int, out: Path) -> Path:
    """``n`` corpus sentences as a JSONL input file (one record a sentence)."""
    return _as_jsonl(bench_sentences(source, n), out, "s")


def _as_jsonl(texts: list[str], out: Path, prefix: str) -> Path:
    with out.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": f"{prefix}{i}", "text": t}, ensure_ascii=False) + "\n")
    return out

"""Benchmarks behind ``repair bench``: throughput and memory of the pipeline's stages.

Figures, not pass/fail: speed targets are read off these numbers, never asserted in tests.
"""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from repair import ROOT
from repair.aliases import AliasTable
from repair.detect import DetectSettings, detect
from repair.errors import ConfigError
from repair.eval.settings import RunSettings
from repair.text import Segment, iter_corpus, read_documents, segment_documents

if TYPE_CHECKING:
    from repair.rewrite.model import SpanRewriter

__all__ = ["bench_detect", "bench_rewrite", "bench_rewrite_heldout", "bench_run", "bench_runs",
           "bench_sentences", "bench_source", "corpus_as_jsonl", "repeated_articles",
           "synthetic_inputs"]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_sentences(source: str | Path, n: int) -> list[str]:
    """``n`` sentences from a corpus file (``.jsonl.gz``/``.jsonl`` with ``text``) or from
    articles (``.txt`` files or folders), cycled if the source is shorter."""
    path = Path(source)

    def _iter() -> Iterator[str]:
        if path.name.endswith(".jsonl.gz"):
            yield from iter_corpus(path)
        else:
            for seg in segment_documents(read_documents([path])):
                yield seg.text

    base = []
    for text in _iter():
        base.append(text)
        if len(base) >= n:
            break
    if not base:
        return []
    return [base[i % len(base)] for i in range(n)]


def bench_detect(
    sentences: list[str], settings: DetectSettings, aliases: AliasTable, repeats: int = 3
) -> dict:
    """Sentences per second of the whole detector (features, model, rules, spans) and the
    process's peak memory. The first pass warms caches and is not timed."""
    segs = [Segment(str(i), "bench", t, 0, len(t), i) for i, t in enumerate(sentences)]
    warm = segs[: min(len(segs), 200)]
    list(detect(warm, settings, aliases))
    best = float("inf")
    flagged = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        dets = list(detect(segs, settings, aliases))
        best = min(best, time.perf_counter() - t0)
        flagged = sum(d.flagged for d in dets)
    return {
        "detector": f"model:{Path(settings.model).name}" if settings.model else "rules-v1",
        "sentences": len(segs),
        "seconds": round(best, 3),
        "sentences_per_s": round(len(segs) / best, 1) if best else 0.0,
        "flagged_share": round(flagged / max(len(segs), 1), 4),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
    }


def bench_source(source: str | Path | None, settings) -> Path:
    """The text to bench on: ``source``, else the held-out corpus (``eval.clean``), else the
    sample articles."""
    src = Path(source) if source else (Path(settings.eval.clean) if settings.eval.clean
                                       else None)
    return src if src is not None and src.exists() else ROOT / "samples" / "seeds"


def bench_rewrite(model: SpanRewriter | str | Path, examples: list, *, threads: int = 1,
                  batch_sizes: tuple[int, ...] = (1, 64)) -> list[dict]:
    """Spans per second of the rewriter alone (greedy repair plus the keep score) at each
    batch size, on held-out span examples."""
    import torch

    from repair.rewrite.model import load_rewriter
    from repair.rewrite.spans import marked_span

    torch.set_num_threads(threads)
    rw = model if not isinstance(model, (str, Path)) else load_rewriter(str(model))
    spans = [marked_span(e.source) for e in examples]
    sources = [e.source for e in examples]
    rw.repair(sources[:8], spans[:8])  # warm-up
    rows = []
    for b in batch_sizes:
        t0 = time.perf_counter()
        if b == 1:
            for src, sp in zip(sources, spans, strict=True):
                rw.repair([src], [sp], batch_size=1)
        else:
            rw.repair(sources, spans, batch_size=b)
        dt = time.perf_counter() - t0
        rows.append({"model": rw.version, "batch": b, "spans": len(sources),
                     "seconds": round(dt, 2), "spans_per_s": round(len(sources) / dt, 1),
                     "threads": threads})
    return rows


def bench_rewrite_heldout(settings: RunSettings, aliases: AliasTable, n: int = 256,
                          threads: int = 1) -> list[dict]:
    """``bench_rewrite`` of the configured rewriter (loaded once) on ``n`` held-out spans."""
    from repair.eval.heldout import EVAL_SEED, heldout_spans
    from repair.rewrite.model import load_rewriter

    if not settings.rewrite.model:
        raise ConfigError("no rewriter: pass --rewriter DIR or set rewrite.model")
    if not settings.eval.clean:
        raise ConfigError("no held-out corpus: set eval.clean")
    rw = load_rewriter(str(settings.rewrite.model))
    return bench_rewrite(rw, heldout_spans(rw, n, EVAL_SEED, settings, aliases), threads=threads)


def bench_runs(settings: RunSettings, *, mt_sentences: int = 2000, clean_n: int = 5000,
               workers: Sequence[int] = (1,), ray: bool = False,
               rewriter_off: bool = False) -> list[dict]:
    """``bench_run`` on MT text (the sample articles repeated to ``mt_sentences``) with each
    worker count (and on Ray, and without the rewriter, when asked), then on ``clean_n``
    clean corpus sentences."""
    import dataclasses
    import tempfile

    rows = []
    mt_label = "sample articles (MT)"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mt = repeated_articles(ROOT / "samples" / "seeds", mt_sentences, work / "mt")
        rows += [bench_run(settings, mt, work, mt_label, w) for w in workers]
        if ray:
            rows.append(bench_run(settings, mt, work, mt_label, engine="ray"))
        if rewriter_off:
            off = dataclasses.replace(settings, rewrite=dataclasses.replace(settings.rewrite,
                                                                              model=None))
            rows += [bench_run(off, mt, work, mt_label, w) for w in workers]
        if settings.eval.clean and clean_n:
            sents = corpus_as_jsonl(settings.eval.clean, clean_n, work / "clean.jsonl")
            unit = dataclasses.replace(settings, unit="sentence")
            rows += [bench_run(unit, [sents], work, "clean corpus sentences", w) for w in workers]
    return rows


def bench_run(settings, inputs: list[Path], work: Path, label: str, workers: int = 1,
              engine: str = "local") -> dict:
    """Input sentences per second and peak memory of a whole ``repair run`` job over
    ``inputs`` (start-up excluded: models are loaded by a warm-up job first; worker processes
    and Ray actors start inside the timed run; peak memory is this process's)."""
    from repair.jobs import run_job

    run_job(inputs[:1], work / "warmup.jsonl", settings)
    t0 = time.perf_counter()
    if engine == "ray":
        from repair.jobs import run_job_ray

        summary = run_job_ray(inputs, work / f"{label}.ray.jsonl", settings)
    else:
        summary = run_job(inputs, work / f"{label}.jsonl", settings, workers=workers)
    dt = time.perf_counter() - t0
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
        "peak_rss_mb": round(_peak_rss_mb(), 1),
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


def corpus_as_jsonl(source: str | Path, n: int, out: Path) -> Path:
    """``n`` corpus sentences as a JSONL input file (one record a sentence)."""
    with out.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(bench_sentences(source, n)):
            fh.write(json.dumps({"id": f"s{i}", "text": t}, ensure_ascii=False) + "\n")
    return out


def synthetic_inputs(corpus: str | Path, n: int, seed: int = 7, max_words: int = 40) -> list[str]:
    """``n`` corrupted held-out sentences (what the rewriter sees: flagged sentences)."""
    from repair.synth import SynthSettings, generate

    texts = [t for t in bench_sentences(corpus, n * 2) if len(t.split()) <= max_words][:n]
    pairs = generate(texts, SynthSettings(seed=seed, rate=1.0, substitute_names=False))
    return [p.corrupted for p in pairs]

"""Benchmarks behind ``repair bench``: throughput and memory of the pipeline's stages.

Figures, not pass/fail: speed targets are read off these numbers, never asserted in tests.
"""

from __future__ import annotations

import platform
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from repair import ROOT
from repair.errors import ConfigError
from repair.pipeline import Pipeline
from repair.text import Segment, iter_corpus, read_documents, segment_documents

if TYPE_CHECKING:
    from repair.rewrite.model import SpanRewriter

__all__ = ["bench_detect", "bench_rewrite", "bench_rewrite_heldout", "bench_sentences",
           "bench_source", "peak_rss_mb", "synthetic_inputs"]


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its largest ended child process), MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


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


def bench_detect(sentences: list[str], pipeline: Pipeline, repeats: int = 3) -> dict:
    """Sentences per second of the pipeline's detection (features, model, rules, spans, name
    candidates) and the process's peak memory. The first pass warms caches and is not
    timed."""
    settings = pipeline.settings.detect
    segs = [Segment(str(i), "bench", t, 0, len(t), i) for i, t in enumerate(sentences)]
    warm = segs[: min(len(segs), 200)]
    pipeline.detect(warm)
    best = float("inf")
    flagged = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        dets = pipeline.detect(segs)
        best = min(best, time.perf_counter() - t0)
        flagged = sum(d.flagged for d in dets)
    return {
        "detector": f"model:{Path(settings.model).name}" if settings.model else "rules-v1",
        "sentences": len(segs),
        "seconds": round(best, 3),
        "sentences_per_s": round(len(segs) / best, 1) if best else 0.0,
        "flagged_share": round(flagged / max(len(segs), 1), 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cpu",
    }


def bench_source(source: str | Path | None, clean: str | Path | None) -> Path:
    """The text to bench on: ``source``, else the held-out corpus ``clean`` (``eval.clean``),
    else the sample articles."""
    src = Path(source) if source else (Path(clean) if clean else None)
    return src if src is not None and src.exists() else ROOT / "samples" / "seeds"


def bench_rewrite(model: SpanRewriter | str | Path, examples: list, *, threads: int = 1,
                  batch_sizes: tuple[int | None, ...] = (1, 64), device: str = "cpu",
                  cache: bool = False) -> list[dict]:
    """Spans per second of the rewriter alone (greedy repair plus the keep score) at each
    batch size (None: the device's), on held-out span examples, with the arithmetic each span
    costs and the share of this CPU's one-thread peak it achieves (:mod:`repair.eval.arith`;
    on a GPU the share is not computed). Repeated spans are decided afresh unless ``cache``."""
    import json

    from repair.eval.arith import matmul_peak, model_shape, possible_seconds, span_flops
    from repair.rewrite.model import load_rewriter
    from repair.rewrite.spans import marked_span

    rw = model if not isinstance(model, (str, Path)) else load_rewriter(str(model), device)
    if rw.plan.runtime == "torch" and rw.plan.device == "cpu":
        import torch

        torch.set_num_threads(threads)
    spans = [marked_span(e.source) for e in examples]
    sources = [e.source for e in examples]
    rw.repair(sources[:8], spans[:8])  # warm-up
    shape = model_shape(json.loads((rw.path / "config.json").read_text(encoding="utf-8")))
    src_len = [len(ids) for ids in rw._ids(sources, 96)]
    keep_len = [len(ids) for ids in rw._ids(spans, 32)]
    peak = None
    if rw.plan.device == "cpu":
        gemm = matmul_peak([(64, shape.d_model, shape.d_model), (64, shape.d_model, shape.d_ff),
                            (64, shape.d_model, shape.vocab)])
        peak = max(gemm.values())
    rows = []
    for b in batch_sizes:
        if not cache:
            rw.clear_cache()
        t0 = time.perf_counter()
        if b == 1:
            got = [rw.repair([src], [sp], batch_size=1)[0]
                   for src, sp in zip(sources, spans, strict=True)]
        else:
            got = rw.repair(sources, spans, batch_size=b)
        dt = time.perf_counter() - t0
        work = [(s, r.steps, k) for s, r, k in zip(src_len, got, keep_len, strict=True)]
        flops = sum(span_flops(shape, *w) for w in work)
        achieved = flops / dt / 1e9
        possible = possible_seconds(shape, work, b or rw.plan.batch_size)[0] if peak else None
        rows.append({"model": rw.version, "device": rw.plan.device, "runtime": rw.plan.runtime,
                     "dtype": rw.plan.dtype, "batch": b or rw.plan.batch_size,
                     "spans": len(sources), "seconds": round(dt, 2),
                     "spans_per_s": round(len(sources) / dt, 1), "threads": threads,
                     "mean_window_tokens": round(sum(src_len) / len(src_len), 1),
                     "mean_steps": round(sum(r.steps for r in got) / len(got), 1),
                     "mflop_per_span": round(flops / len(got) / 1e6, 2),
                     "gflop_s": round(achieved, 2),
                     "peak_gflop_s": round(peak, 1) if peak else "",
                     "of_peak": f"{achieved / peak:.0%}" if peak else "",
                     # the products' time at this CPU's speed on their own shapes, over ours
                     "of_possible": f"{possible / dt:.0%}" if possible else ""})
    return rows


def bench_rewrite_heldout(pipeline: Pipeline, dev_corpus: str | Path | None, n: int = 256,
                          threads: int = 1, device: str = "cpu",
                          batch_sizes: tuple[int | None, ...] = (1, 64)) -> list[dict]:
    """``bench_rewrite`` of the pipeline's rewriter (loaded once, on ``device``) on ``n``
    held-out spans of ``dev_corpus``."""
    from repair.eval.heldout import EVAL_SEED
    from repair.rewrite.calibrate import heldout_spans
    from repair.rewrite.model import load_rewriter

    settings = pipeline.settings
    if not settings.rewrite.model:
        raise ConfigError("no rewriter: pass --rewriter DIR or set rewrite.model")
    if not dev_corpus:
        raise ConfigError("no held-out corpus: set eval.clean")
    rw = load_rewriter(str(settings.rewrite.model), device)
    examples = heldout_spans(rw, n, EVAL_SEED, dev_corpus, settings.detect, pipeline.aliases)
    return bench_rewrite(rw, examples, threads=threads, batch_sizes=batch_sizes, device=device)


def synthetic_inputs(corpus: str | Path, n: int, seed: int = 7, max_words: int | None = 40,
                     skip: int = 0, substitute_names: bool = False) -> list[str]:
    """``n`` corrupted held-out sentences (what the rewriter sees: flagged sentences), from
    the corpus's sentences after the first ``skip``, of at most ``max_words`` words (None: any
    length), each given one synthetic artifact."""
    from repair.synth import SynthSettings, generate

    pool = bench_sentences(corpus, skip + (n * 2 if max_words else n))[skip:]
    texts = [t for t in pool if max_words is None or len(t.split()) <= max_words][:n]
    pairs = generate(texts, SynthSettings(seed=seed, rate=1.0,
                                          substitute_names=substitute_names))
    return [p.corrupted for p in pairs]

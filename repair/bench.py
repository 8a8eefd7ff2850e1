"""Benchmarks behind ``repair bench``: throughput and memory of the pipeline's stages.

Figures, not pass/fail: speed targets are read off these numbers, never asserted in tests.
"""

from __future__ import annotations

import gzip
import json
import platform
import resource
import time
from collections.abc import Iterator
from pathlib import Path

from repair.aliases import AliasTable
from repair.detect import DetectSettings, detect
from repair.text import Segment, read_documents, segment_documents

__all__ = ["bench_detect", "bench_rewrite", "bench_sentences", "synthetic_inputs"]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_sentences(source: str | Path, n: int) -> list[str]:
    """``n`` sentences from a corpus file (``.jsonl.gz``/``.jsonl`` with ``text``) or from
    articles (``.txt`` files or folders), cycled if the source is shorter."""
    path = Path(source)

    def _iter() -> Iterator[str]:
        if path.name.endswith(".jsonl.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    yield json.loads(line)["text"]
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


def bench_rewrite(
    model_dir: str | Path,
    sentences: list[str],
    *,
    threads: int = 1,
    batch_sizes: tuple[int, ...] = (16, 64),
    batch1_n: int = 16,
    num_beams: int = 4,
) -> list[dict]:
    """Sentences per second of the rewriter's decoders on this CPU: plain greedy (batch 1 and
    batched), beam search, and the fast path (input-copy speculative decoding), with the share
    of fast-path outputs identical to greedy. Inputs are whole sentences, no forced prefix."""
    import torch

    from repair.rewrite.model import Seq2SeqRewriter

    torch.set_num_threads(threads)
    rw = Seq2SeqRewriter(model_dir)
    rw.rewrite(sentences[:4], method="fast", batch_size=4)  # warm-up
    rows: list[dict] = []
    outputs: dict[tuple[str, int], list[str]] = {}

    def run(method: str, batch: int, texts: list[str]) -> None:
        stats: dict = {}
        t0 = time.perf_counter()
        out = rw.rewrite(
            texts, method=method, batch_size=batch, num_beams=num_beams, stats=stats
        )
        dt = time.perf_counter() - t0
        outputs[(method, batch)] = out
        rows.append(
            {
                "decoder": method if method != "beam" else f"beam {num_beams}",
                "batch": batch,
                "sentences": len(texts),
                "seconds": round(dt, 2),
                "sentences_per_s": round(len(texts) / dt, 1),
            }
        )
        if stats.get("passes"):
            rows[-1]["tokens_per_pass"] = round(stats["tokens"] / stats["passes"], 2)

    small = sentences[:batch1_n]
    run("greedy", 1, small)
    run("fast", 1, small)
    for b in batch_sizes:
        run("greedy", b, sentences)
        run("fast", b, sentences)
    run("beam", batch_sizes[0], sentences)
    for r in rows:
        if r["decoder"] == "fast":
            out, ref = outputs[("fast", r["batch"])], outputs[("greedy", r["batch"])]
            r["same_as_greedy"] = round(
                sum(a == b for a, b in zip(out, ref, strict=True)) / len(out), 3
            )
    for r in rows:
        r["model"] = rw.version
        r["threads"] = threads
    return rows


def synthetic_inputs(corpus: str | Path, n: int, seed: int = 7, max_words: int = 40) -> list[str]:
    """``n`` corrupted held-out sentences (what the rewriter sees: flagged sentences)."""
    from repair.synth import SynthSettings, generate

    texts = [t for t in bench_sentences(corpus, n * 2) if len(t.split()) <= max_words][:n]
    pairs = generate(texts, SynthSettings(seed=seed, rate=1.0, substitute_names=False))
    return [p.corrupted for p in pairs]

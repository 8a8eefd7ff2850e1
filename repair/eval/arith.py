"""What a span costs the rewriter in arithmetic, and what this CPU can do of it on one thread.

``span_flops`` counts the multiply-adds (x2 = FLOPs) of one span through the copy-T5 as
:mod:`repair.rewrite.runtime` computes it: the encoder over the window's tokens once, the keep
score (the kept span teacher-forced through the decoder) and the greedy repair (one decoder
step per written token, each with the vocabulary product, the copy attention and the gate);
the cross-attention keys and values are computed once per span. Elementwise work (softmax,
GELU, layer norms) is not counted: it is memory-bound, and counting it would flatter the
achieved share.

``matmul_peak`` measures the single-thread GFLOP/s of NumPy's BLAS on given product shapes and
on one large square product (the machine's practical peak). ``possible_seconds`` is the time
the model's own products would take at the speeds measured on their shapes (the encoder's
over the batch's window tokens, a decoder step's over the batch's rows, the vocabulary
product's 8,000 columns): ``bench_rewrite`` reports achieved over that (what the arithmetic
allows, issue #26) and over the square peak.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ModelShape", "matmul_peak", "model_shape", "possible_seconds", "span_flops",
           "span_products"]


@dataclass(frozen=True)
class ModelShape:
    d_model: int
    d_kv: int
    heads: int
    d_ff: int
    enc_layers: int
    dec_layers: int
    vocab: int


def model_shape(config: dict) -> ModelShape:
    """The shape of a T5 ``config.json``."""
    return ModelShape(config["d_model"], config["d_kv"], config["num_heads"], config["d_ff"],
                      config["num_layers"],
                      config.get("num_decoder_layers") or config["num_layers"],
                      config["vocab_size"])


def span_flops(m: ModelShape, src: int, written: int, kept: int) -> float:
    """FLOPs of one span: a ``src``-token window, ``written`` greedy steps, a ``kept``-token
    keep score (eos included in both)."""
    return sum(span_products(m, src, written, kept).values())


def span_products(m: ModelShape, src: int, written: int, kept: int) -> dict[str, float]:
    """``span_flops`` by kind of product: ``(part, input width, output width)`` -> FLOPs,
    where part is ``encoder`` (rows: the batch's window tokens), ``keep`` (rows: the batch's
    kept tokens, teacher-forced at once), ``step`` (rows: the batch, one token each) or
    ``attention`` (the small per-head products)."""
    d, inner, ff = m.d_model, m.d_kv * m.heads, m.d_ff
    out: dict[tuple, float] = {}

    def add(key: tuple, macs: float) -> None:
        out[key] = out.get(key, 0.0) + 2.0 * macs

    # encoder: q, k, v, o and the feed-forward per layer; each decoder layer's cross k, v and
    # the copy head's two keys are products over the window's tokens too
    add(("encoder", d, inner), m.enc_layers * 3 * src * d * inner
        + m.dec_layers * 2 * src * d * inner)
    add(("encoder", inner, d), m.enc_layers * src * inner * d)
    add(("encoder", d, d), 2 * src * d * d)
    add(("encoder", d, ff), m.enc_layers * 2 * src * d * ff)
    add(("encoder", ff, d), m.enc_layers * src * ff * d)
    add(("attention", 0, 0), m.enc_layers * 2 * src * src * inner)
    for part, positions in (("step", range(1, written + 1)), ("keep", range(1, kept + 1))):
        t = len(positions)
        add((part, d, inner), t * m.dec_layers * 4 * d * inner)  # self q, k, v; cross q
        add((part, inner, d), t * m.dec_layers * 2 * inner * d)  # self o, cross o
        add((part, d, d), t * 2 * d * d)  # the copy query and copy_prev
        add((part, d, ff), t * m.dec_layers * 2 * d * ff)
        add((part, ff, d), t * m.dec_layers * ff * d)
        add((part, d, m.vocab), t * d * m.vocab)
        add(("attention", 0, 0), sum(m.dec_layers * (2 * p * inner + 2 * src * inner)
                                     + 2 * src * d + 2 * d for p in positions))
    return out  # type: ignore[return-value]


def possible_seconds(m: ModelShape, spans: Sequence[tuple[int, int, int]], batch: int
                     ) -> tuple[float, dict[str, float]]:
    """Seconds the dense products of ``spans`` (``(src, written, kept)`` each) take at this
    CPU's measured one-thread speed on their own shapes, batched ``batch`` at a time: what the
    arithmetic allows. Attention's small products are counted at the square-product peak
    (no runtime reaches it there, so the bound stays strict). Also the speeds measured."""
    totals: dict[tuple, float] = {}
    for src, written, kept in spans:
        for key, flops in span_products(m, src, written, kept).items():
            totals[key] = totals.get(key, 0.0) + flops
    n = max(1, len(spans))
    rows = {"encoder": max(1, round(batch * sum(s for s, _, _ in spans) / n)),
            "keep": max(1, round(batch * sum(k for _, _, k in spans) / n)), "step": batch}
    shapes = sorted({(rows[part], k, w) for part, k, w in totals if part != "attention"})
    speed = matmul_peak(shapes)
    square = speed["1024x1024 @ 1024x1024"]
    seconds = 0.0
    for (part, k, w), flops in totals.items():
        gflop_s = square if part == "attention" else speed[f"{rows[part]}x{k} @ {k}x{w}"]
        seconds += flops / (gflop_s * 1e9)
    return seconds, speed


def matmul_peak(shapes: Sequence[tuple[int, int, int]], repeats: int = 20) -> dict[str, float]:
    """GFLOP/s of ``(m x k) @ (k x n)`` float32 products on one BLAS thread, best of
    ``repeats``, for each shape and for a 1024-square product."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    out = {}
    rng = np.random.default_rng(0)
    with threadpool_limits(1, user_api="blas"):
        for m, k, n in [*shapes, (1024, 1024, 1024)]:
            a = rng.standard_normal((m, k), dtype=np.float32)
            b = rng.standard_normal((k, n), dtype=np.float32)
            best = float("inf")
            for _ in range(repeats if m * n * k < 1e8 else 3):
                t0 = time.perf_counter()
                a @ b
                best = min(best, time.perf_counter() - t0)
            out[f"{m}x{k} @ {k}x{n}"] = 2.0 * m * k * n / best / 1e9
    return out

"""What a span costs the rewriter in arithmetic, and what this CPU can do of it on one thread.

``span_flops`` counts the multiply-adds (x2 = FLOPs) of one span through the copy-T5 as
:mod:`repair.rewrite.runtime` computes it: the encoder over the window's tokens once, the keep
score (the kept span teacher-forced through the decoder) and the greedy repair (one decoder
step per written token, each with the vocabulary product, the copy attention and the gate);
the cross-attention keys and values are computed once per span. Elementwise work (softmax,
GELU, layer norms) is not counted: it is memory-bound, and counting it would flatter the
achieved share.

``matmul_peak`` measures the single-thread GFLOP/s of NumPy's BLAS on the products the model
does ((batch x d) @ (d x d), (batch x d) @ (d x d_ff), (batch x d) @ (d x vocab)) and on one
large square product (the machine's practical peak); ``bench_rewrite`` reports achieved over
that peak.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ModelShape", "span_flops", "matmul_peak", "model_shape"]


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
    d, inner, ff = m.d_model, m.d_kv * m.heads, m.d_ff
    enc = m.enc_layers * (4 * src * d * inner + 2 * src * src * inner + 3 * src * d * ff)
    cross_kv = m.dec_layers * 2 * src * d * inner
    copy_keys = src * d * d + src * d * d  # copy_key over the encoder, copy_prev's source side

    def dec_token(pos: int) -> int:  # one decoder position attending to ``pos`` earlier ones
        layer = (4 * d * inner + 2 * pos * inner  # self-attention
                 + 2 * d * inner + 2 * src * inner  # cross-attention (q, o; scores, values)
                 + 3 * d * ff)
        head = d * m.vocab + 2 * d * d + 2 * src * d + 2 * d  # vocab, copy q/prev, attn, gate
        return m.dec_layers * layer + head

    steps = sum(dec_token(t + 1) for t in range(written)) + sum(dec_token(t + 1)
                                                                 for t in range(kept))
    return 2.0 * (enc + cross_kv + copy_keys + steps)


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

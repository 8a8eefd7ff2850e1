"""Issue #26: the span rewriter on ONNX Runtime against our NumPy runtime, one thread.

    PYTHONPATH=. python scripts/bench_onnx_rewriter.py [--n 256] [--repeats 3] [--out DIR]

Needs ``onnx`` and ``onnxruntime`` (``pip install onnx onnxruntime``; not a dependency of
``repair/``) and torch (the export). What it does:

1. Collects the batches the rewriter really decodes: ``--n`` held-out spans of ``eval.clean``
   (as ``repair bench rewrite``), passed through ``SpanRewriter.repair`` at batch 1 and 64 with
   the NumPy runtime's ``repair_batch`` recorded (source ids, keep ids, step limit).
2. Breakdown of the NumPy runtime's time on those batches: the module's matrix products
   (``_mm``), RMS norms, GELU and softmax are wrapped with timers, the vocabulary and copy
   blocks come from ``repair.text.timing``; what no timer covers is Python, indexing, padding
   and the small attention products written inline. Also the element-wise FLOPs per span,
   counted, beside the matrix FLOPs of ``repair.eval.arith.span_flops``.
3. Exports the shipped torch model (``models/rewriter``) to two ONNX graphs, opset 17, with
   ``torch.onnx.export`` (the TorchScript exporter): the encoder (states, the decoder's cross
   keys/values, the copy head's keys) and one decoder call (``T`` new tokens with the past
   keys/values as inputs and the extended ones as outputs, the pointer-generator mixture and
   its normaliser as outputs). The graphs use the torch model's own modules (embeddings,
   ``T5LayerNorm``, the gated-GELU feed-forward, the q/k/v/o and copy linears); attention with
   the cache and the copy mixture are written out as in ``copy_model.forward``.
4. Agreement: teacher-forced log-probabilities (full vocabulary) of the ONNX graphs against
   ``CopyT5ForConditionalGeneration.forward`` (torch) and against the NumPy runtime; greedy
   outputs of ONNX against NumPy on every batch.
5. Timing, one thread everywhere (``OMP_NUM_THREADS=1``, ORT ``intra_op_num_threads=1``,
   threadpoolctl for NumPy's BLAS): the same batches through NumPy's ``repair_batch`` and
   through the same greedy loop on ONNX Runtime, interleaved, best of ``--repeats``.
   ``onnx-top8`` runs the greedy steps on a graph that returns the 8 best tokens (TopK)
   instead of the whole mixture.

Results (2026-12-05, the shared 2-core Xeon, ``--n 256 --repeats 5``, 255 distinct spans,
mean window 21.6 tokens, 4.1 steps, 118.5 matrix MFLOP/span, peak 187.1 GFLOP/s):

    runtime    batch  spans/s  of peak  x numpy
    numpy        1     166.5     11%     1.00
    onnx         1     221.1     14%     1.33
    numpy       64     551.0     35%     1.00
    onnx        64     552.6     35%     1.00
    onnx-top8   64     554.1     35%     1.01

NumPy at batch 64: matrix products 56% of the time (132 GFLOP/s while in them, 70% of
peak); element-wise 24% (GELU 8.5, vocabulary exp/normalise 5.3, RMS 5.3, softmax 5.2) for
0.9% of the FLOPs; copy scatter/gate 3%; inline attention products, biases, cache concat,
indexing and Python 16%. At batch 1 the products themselves run at 32 GFLOP/s.

Decision: ONNX Runtime is not integrated. At batch 64 (what ``SpanRewriter.repair`` and the
jobs use) it is no faster: its matrix kernels take what NumPy's BLAS takes (MatMul +
FusedMatMul 0.27 s against NumPy's products 0.26 s on the same batches) and its own
element-wise kernels (Softmax over the 8,000-word vocabulary 0.05 s, ScatterElements, Add,
Mul) are no cheaper than NumPy's ufuncs; with zero session overhead its kernels alone
(0.47 s, profiled) would not beat NumPy's whole run (0.46 s). It wins only at batch 1 (one
session call a step instead of ~100 NumPy calls), where neither reaches 15% of peak: a
(1 x 192) @ (192 x 8000) vocabulary product streams the 6 MB embedding for 3 MFLOP.
Agreement: greedy outputs equal on all 255 spans, repair and keep log-probabilities within
5.3e-5; full-vocabulary log-probabilities within 5.8e-5 of torch's (NumPy: 9.5e-5) once the
gate is written 1 / (1 + exp(-z)): with ONNX's Sigmoid they were 2.3e-3 off on copying steps
(ORT's Sigmoid is ~1e-6 absolute, 1e-3 relative at g ~ 3e-5, and g scales the vocabulary
part; traced through the graph's intermediate outputs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- 1. the batches
def collect_batches(model_dir: Path, n: int) -> dict[int, list[tuple]]:
    from repair.config import load_aliases, load_settings
    from repair.eval.heldout import EVAL_SEED
    from repair.rewrite.calibrate import heldout_spans
    from repair.rewrite.model import load_rewriter
    from repair.rewrite.spans import marked_span

    run = load_settings(None, {"rewrite.model": str(model_dir)})
    rw = load_rewriter(str(model_dir), "cpu")
    examples = heldout_spans(rw, n, EVAL_SEED, run.eval.clean, run.detect, load_aliases(run))
    sources = [e.source for e in examples]
    spans = [marked_span(e.source) for e in examples]
    out: dict[int, list[tuple]] = {}
    real = rw.model.repair_batch
    for b in (1, 64):
        rec: list[tuple] = []

        def spy(src, keeps, limit, block_repeats=True, _rec=rec):
            _rec.append(([list(s) for s in src], [list(k) for k in keeps], limit))
            return real(src, keeps, limit, block_repeats)

        rw.model.repair_batch = spy
        rw.clear_cache()
        rw.repair(sources, spans, batch_size=b)
        out[b] = rec
    rw.model.repair_batch = real
    return out


# ---------------------------------------------------------------- 3. the ONNX graphs
def export(model_dir: Path, out: Path) -> tuple[Path, Path, object]:
    import torch
    from torch import nn
    from transformers import AutoModelForSeq2SeqLM

    import repair.rewrite.copy_model  # noqa: F401  (registers copy_t5)

    m = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    m.requires_grad_(False)
    cfg = m.config
    heads, dk = cfg.num_heads, cfg.d_kv

    def split(x):  # (n, L, H*dk) -> (n, H, L, dk)
        return x.view(x.shape[0], x.shape[1], heads, dk).transpose(1, 2)

    def merge(x):  # (n, H, L, dk) -> (n, L, H*dk)
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], heads * dk)

    class Encoder(nn.Module):
        """ids (n,S), additive mask (n,1,1,S), position bias (1,H,S,S) -> states, the decoder
        layers' cross keys/values, the copy keys and copy_prev's source side."""

        def __init__(self):
            super().__init__()
            self.m = m  # a submodule: its weights become the graph's initializers

        def forward(self, ids, mask_add, bias):
            m = self.m
            x = m.shared(ids)
            b = bias + mask_add
            for blk in m.encoder.block:
                sa = blk.layer[0].SelfAttention
                h = blk.layer[0].layer_norm(x)
                a = torch.softmax(split(sa.q(h)) @ split(sa.k(h)).transpose(2, 3) + b, -1)
                x = x + sa.o(merge(a @ split(sa.v(h))))
                x = blk.layer[1](x)  # T5LayerFF: x + DenseReluDense(layer_norm(x))
            enc = m.encoder.final_layer_norm(x)
            cross = []
            for blk in m.decoder.block:
                ca = blk.layer[1].EncDecAttention
                cross += [split(ca.k(enc)), split(ca.v(enc))]
            e = m.shared(ids)
            before = nn.functional.pad(e[:, :-1], (0, 0, 1, 0))
            return (enc, m.copy_key(enc).transpose(1, 2), before.transpose(1, 2), *cross)

    n_dec = len(m.decoder.block)

    class Decoder(nn.Module):
        """T new tokens after P cached positions -> mixture p (n,T,V), normaliser (n,T),
        the extended keys/values."""

        def __init__(self, top: int = 0):
            super().__init__()
            self.m = m
            self.top = top  # > 0: the step's ``top`` best tokens instead of all of p

        def forward(self, y, self_bias, enc_add, enc, keys, before, src, *kv):
            m = self.m
            past, cross = kv[: 2 * n_dec], kv[2 * n_dec:]
            x = m.shared(y)
            new = []
            for li, blk in enumerate(m.decoder.block):
                sa = blk.layer[0].SelfAttention
                h = blk.layer[0].layer_norm(x)
                k = torch.cat([past[2 * li], split(sa.k(h))], 2)
                v = torch.cat([past[2 * li + 1], split(sa.v(h))], 2)
                new += [k, v]
                a = torch.softmax(split(sa.q(h)) @ k.transpose(2, 3) + self_bias, -1)
                x = x + sa.o(merge(a @ v))
                ca = blk.layer[1].EncDecAttention
                h = blk.layer[1].layer_norm(x)
                a = torch.softmax(split(ca.q(h)) @ cross[2 * li].transpose(2, 3) + enc_add, -1)
                x = x + ca.o(merge(a @ cross[2 * li + 1]))
                x = blk.layer[2](x)
            h = m.decoder.final_layer_norm(x)
            h_lm = h * (cfg.d_model ** -0.5) if cfg.tie_word_embeddings else h
            p_vocab = torch.softmax(m.lm_head(h_lm), -1)
            scores = m.copy_query(h) @ keys
            if m.copy_prev is not None:
                scores = scores + m.copy_prev(m.shared(y)) @ before
            attn = torch.softmax(scores / math.sqrt(h.shape[-1]) + enc_add[:, 0], -1)
            # the gate as 1 / (1 + exp(-z)), not ONNX Sigmoid: ORT's Sigmoid is accurate to
            # about 1e-6 absolute, 1e-3 relative at g ~ 3e-5, which moved the vocabulary part
            # of a copying step's mixture by 1e-3 in log p (measured)
            g = 1.0 / (1.0 + torch.exp(-m.copy_gate(torch.cat([h, attn @ enc], -1))))
            index = src[:, None, :].expand(-1, attn.shape[1], -1)
            p = g * p_vocab + torch.zeros_like(p_vocab).scatter_add(2, index, (1 - g) * attn)
            norm = torch.log(p.sum(-1) + p.shape[-1] * 1e-9)
            if self.top:
                val, idx = torch.topk(p, self.top, -1)
                return (val, idx, norm, *new)
            return (p, norm, *new)

    n, s, t, p_len = 2, 5, 1, 3
    d = cfg.d_model
    enc_path, dec_path = out / "encoder.onnx", out / "decoder.onnx"
    step_path = out / "decoder_top8.onnx"
    ids = torch.randint(2, 100, (n, s))
    with torch.no_grad():
        torch.onnx.export(
            Encoder().eval(), (ids, torch.zeros(n, 1, 1, s), torch.zeros(1, heads, s, s)),
            str(enc_path), dynamo=False, opset_version=17,
            input_names=["ids", "mask_add", "bias"],
            output_names=["enc", "keys", "before"] + [f"cross{i}" for i in range(2 * n_dec)],
            dynamic_axes={"ids": {0: "n", 1: "s"}, "mask_add": {0: "n", 3: "s"},
                          "bias": {2: "s", 3: "s"}, "enc": {0: "n", 1: "s"},
                          "keys": {0: "n", 2: "s"}, "before": {0: "n", 2: "s"},
                          **{f"cross{i}": {0: "n", 2: "s"} for i in range(2 * n_dec)}})
        kv = [torch.zeros(n, heads, p_len, dk) for _ in range(2 * n_dec)]
        cross = [torch.zeros(n, heads, s, dk) for _ in range(2 * n_dec)]
        args = (torch.randint(2, 100, (n, t)), torch.zeros(1, heads, t, p_len + t),
                torch.zeros(n, 1, 1, s), torch.zeros(n, s, d), torch.zeros(n, d, s),
                torch.zeros(n, d, s), ids, *kv, *cross)
        names = (["y", "self_bias", "enc_add", "enc", "keys", "before", "src"]
                 + [f"past{i}" for i in range(2 * n_dec)] + [f"cross{i}" for i in range(2 * n_dec)])
        axes = {"y": {0: "n", 1: "t"}, "self_bias": {2: "t", 3: "pt"},
                "enc_add": {0: "n", 3: "s"}, "enc": {0: "n", 1: "s"}, "keys": {0: "n", 2: "s"},
                "before": {0: "n", 2: "s"}, "src": {0: "n", 1: "s"},
                **{f"past{i}": {0: "n", 2: "p"} for i in range(2 * n_dec)},
                **{f"cross{i}": {0: "n", 2: "s"} for i in range(2 * n_dec)},
                "p": {0: "n", 1: "t"}, "norm": {0: "n", 1: "t"},
                **{f"present{i}": {0: "n", 2: "pt"} for i in range(2 * n_dec)}}
        torch.onnx.export(Decoder().eval(), args, str(dec_path), dynamo=False, opset_version=17,
                          input_names=names,
                          output_names=["p", "norm"] + [f"present{i}" for i in range(2 * n_dec)],
                          dynamic_axes=axes)
        top_axes = {**axes, "top_p": {0: "n", 1: "t"}, "top_id": {0: "n", 1: "t"}}
        torch.onnx.export(Decoder(8).eval(), args, str(step_path), dynamo=False,
                          opset_version=17, input_names=names,
                          output_names=["top_p", "top_id", "norm"]
                          + [f"present{i}" for i in range(2 * n_dec)], dynamic_axes=top_axes)
    return enc_path, dec_path, step_path, m.eval()  # (the exporter restores a wrapper's mode)


class OrtCopyT5:
    """The NumPy runtime's ``repair_batch`` loop with the arithmetic on ONNX Runtime."""

    def __init__(self, enc_path: Path, dec_path: Path, np_model, step_path: Path | None = None,
                 profile: str | None = None):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if profile:
            so.enable_profiling = True
            so.profile_file_prefix = profile
        prov = ["CPUExecutionProvider"]
        self.enc = ort.InferenceSession(str(enc_path), so, providers=prov)
        self.dec = ort.InferenceSession(str(dec_path), so, providers=prov)
        # the greedy steps on the top-8 graph (repeat blocking looks at the 7 next best)
        self.step = ort.InferenceSession(str(step_path), so, providers=prov) if step_path else None
        self.np = np_model  # config, relative bias tables (the NumPy helpers build the biases)
        self.n_dec = len(np_model.dec_layers)

    def _self_bias(self, start: int, t: int) -> np.ndarray:
        q_pos, k_pos = np.arange(start, start + t), np.arange(start + t)
        b = self.np._bias(self.np.dec_bias, q_pos, k_pos, False)
        causal = np.where(k_pos[None, :] > q_pos[:, None], np.float32(-np.inf), np.float32(0))
        return np.ascontiguousarray((b + causal[None, None]).astype(np.float32))

    def encode(self, ids, mask):
        from repair.rewrite.runtime import _additive

        pos = np.arange(ids.shape[1])
        bias = self.np._bias(self.np.enc_bias, pos, pos, True).astype(np.float32)
        add = _additive(mask)
        outs = self.enc.run(None, {"ids": ids, "mask_add": add, "bias": bias})
        return outs[0], outs[1], outs[2], outs[3:], add

    def decode(self, y, start, past, enc, keys, before, ids, add, cross, session=None):
        feed = {"y": y, "self_bias": self._self_bias(start, y.shape[1]), "enc_add": add,
                "enc": enc, "keys": keys, "before": before, "src": ids}
        feed.update({f"past{i}": a for i, a in enumerate(past)})
        feed.update({f"cross{i}": a for i, a in enumerate(cross)})
        if session is not None:
            outs = session.run(None, feed)
            return outs[:3], outs[3:]
        outs = self.dec.run(None, feed)
        return outs[0], outs[1], outs[2:]

    def _empty(self, n):
        c = self.np.cfg
        return [np.zeros((n, c.num_heads, 0, c.d_kv), np.float32) for _ in range(2 * self.n_dec)]

    def repair_batch(self, sources, keeps, max_new_tokens, block_repeats=True):
        from repair.rewrite.decode import Hypothesis, _new_repeat, _repeats
        from repair.rewrite.runtime import _pad, greedy_tokens

        c = self.np.cfg
        ids, mask = _pad(sources, c.pad)
        enc, keys, before, cross, add = self.encode(ids, mask)
        # keep score: teacher-forced, all T positions
        tgt, tmask = _pad(keeps, c.pad)
        y = np.concatenate([np.full((len(keeps), 1), c.start, dtype=np.int64), tgt[:, :-1]], 1)
        p, norm, _ = self.decode(y, 0, self._empty(len(keeps)), enc, keys, before, ids, add,
                                 cross)
        lp = np.log(np.take_along_axis(p, tgt[:, :, None], 2)[:, :, 0] + 1e-9) - norm
        scores = [float(v) for v in (lp * tmask).astype(np.float32).sum(1)]
        # greedy, as NumpyCopyT5._greedy
        n = len(sources)
        out: list[list[int]] = [[] for _ in range(n)]
        total = np.zeros(n, dtype=np.float32)
        allowed = [_repeats(list(s)) for s in sources]
        act = np.arange(n)
        last = np.full((n, 1), c.start, dtype=np.int64)
        past = self._empty(n)
        for step in range(max_new_tokens):
            if self.step is not None:
                (val, idx, norm), past = self.decode(last, step, past, enc, keys, before, ids,
                                                     add, cross, self.step)
                val, idx, norm = val[:, 0], idx[:, 0], norm[:, 0]
                pick = np.zeros(len(act), dtype=np.int64)
                for j, i in enumerate(act.tolist()):
                    if block_repeats and _new_repeat(out[i], int(idx[j, 0]), allowed[i]):
                        for r in range(1, idx.shape[1]):
                            if not _new_repeat(out[i], int(idx[j, r]), allowed[i]):
                                pick[j] = r
                                break
                    out[i].append(int(idx[j, pick[j]]))
                rows = np.arange(len(act))
                tok, chosen = idx[rows, pick], val[rows, pick]
            else:
                p, norm, past = self.decode(last, step, past, enc, keys, before, ids, add, cross)
                p, norm = p[:, 0], norm[:, 0]
                tok = greedy_tokens(p, act, out, allowed, block_repeats)
                chosen = p[np.arange(len(act)), tok]
            total[act] += (np.log(chosen + 1e-9) - norm).astype(np.float32)
            going = tok != c.eos
            if not going.any():
                break
            if not going.all():
                act, tok = act[going], tok[going]
                enc, ids, keys, before, add = (enc[going], ids[going], keys[going],
                                               before[going], add[going])
                cross = [a[going] for a in cross]
                past = [a[going] for a in past]
            last = tok[:, None]
        return [Hypothesis(t, float(s)) for t, s in zip(out, total.tolist(), strict=True)], scores


# ---------------------------------------------------------------- 2. where NumPy's time goes
class _Timed(np.ndarray):
    """The vocabulary matrix: ``h @ emb_t`` is timed (Python calls ``__rmatmul__`` of a
    right-hand subclass first)."""

    clock = [0.0, 0]
    flops = 0.0

    def __rmatmul__(self, other):
        t0 = time.perf_counter()
        r = np.matmul(other, self.view(np.ndarray))
        _Timed.flops += 2.0 * other.size * self.shape[1]
        _Timed.clock[0] += time.perf_counter() - t0
        _Timed.clock[1] += 1
        return r


def breakdown(np_model, batches: list[tuple]) -> dict[str, float]:
    """Seconds per part of the NumPy runtime over ``batches`` (one pass, instrumented)."""
    import repair.rewrite.runtime as rt
    from repair.text import timing

    parts: dict[str, list[float]] = {}
    orig = {name: getattr(rt, name) for name in ("_mm", "_rms", "_gelu", "_softmax")}

    in_head = [False]
    flops = [0.0]

    def wrap(name, fn):
        def inner(*a, **k):
            t0 = time.perf_counter()
            r = fn(*a, **k)
            slot = parts.setdefault(name + (" (head)" if in_head[0] else ""), [0.0, 0])
            slot[0] += time.perf_counter() - t0
            slot[1] += 1
            if name == "_mm":
                flops[0] += 2.0 * a[0].size * a[1].shape[1]
            return r
        return inner

    probs = np_model._probs

    def head(*a, **k):
        in_head[0] = True
        try:
            return probs(*a, **k)
        finally:
            in_head[0] = False

    emb_t = np_model.emb_t
    try:
        for name, fn in orig.items():
            setattr(rt, name, wrap(name, fn))
        np_model.emb_t = emb_t.view(_Timed)
        np_model._probs = head
        _Timed.clock[:] = [0.0, 0]
        _Timed.flops = 0.0
        timing.reset()
        timing.enable()
        t0 = time.perf_counter()
        for src, keeps, limit in batches:
            np_model.repair_batch(src, keeps, limit)
        total = time.perf_counter() - t0
        tot = {k: v[0] for k, v in timing.totals().items()}
    finally:
        timing.disable()
        for name, fn in orig.items():
            setattr(rt, name, fn)
        np_model.emb_t = emb_t
        del np_model._probs
    sec = {k: v[0] for k, v in parts.items()}
    vocab_mm = _Timed.clock[0]
    vocab_block = tot.get("rewrite: vocabulary", 0.0)
    copy_block = tot.get("rewrite: copy head", 0.0)
    # the copy block's own _mm/_softmax calls are inside the wrapped totals already
    head_mm, head_sm = sec.get("_mm (head)", 0.0), sec.get("_softmax (head)", 0.0)
    out = {
        "total (instrumented)": total,
        "matrix products: layers (_mm)": sec.get("_mm", 0.0),
        "matrix products: copy query/prev, gate (_mm)": head_mm,
        "matrix product: vocabulary (h @ E)": vocab_mm,
        "element-wise: vocabulary exp/normalise": vocab_block - vocab_mm,
        "element-wise: attention softmax": sec.get("_softmax", 0.0),
        "element-wise: copy softmax": head_sm,
        "element-wise: GELU": sec.get("_gelu", 0.0),
        "element-wise: RMS norm": sec.get("_rms", 0.0),
        "copy head rest (scores @ keys, scatter-add, gate, log)": copy_block - head_mm - head_sm,
    }
    out["rest: inline attention products, biases, cache concat, indexing, Python"] = (
        total - sum(v for k, v in out.items() if k != "total (instrumented)"))
    mm_flops = flops[0] + _Timed.flops
    out_rates = {"_mm + vocabulary GFLOP/s while in the product": mm_flops / (
        sec.get("_mm", 0.0) + head_mm + vocab_mm) / 1e9}
    return out, parts, tot, out_rates


def elementwise_flops(shape, src: int, written: int, kept: int) -> float:
    """Element-wise operations of one span (each add, multiply, max, exp, tanh, divide,
    sqrt counted as one; the transcendental ones cost more than one in practice)."""
    d, ff, h, v = shape.d_model, shape.d_ff, shape.heads, shape.vocab
    gelu = 9 * ff  # x^3 (2), *0.0447, +x, *c, tanh, +1, *x, *0.5, and the gate's multiply
    rms = 4 * d  # square, mean, divide by sqrt, weight
    enc = src * shape.enc_layers * (2 * rms + gelu + 2 * d + 5 * h * src + h * src)

    def dec(pos: int) -> int:
        layer = 3 * rms + gelu + 3 * d + 5 * h * (pos + src) + h * pos
        head = 6 * v + 5 * src + src + 2 * d + 4  # softmax+mix+sum over V, copy softmax, scatter
        return shape.dec_layers * layer + head + rms

    return float(enc + sum(dec(t + 1) for t in range(written)) + sum(dec(t + 1)
                                                                      for t in range(kept)))


# ---------------------------------------------------------------- 4. agreement
def agreement(torch_model, np_model, ort_model, batches: list[tuple]) -> dict[str, float]:
    """Max |log p| differences over the full vocabulary, teacher-forced on the keep targets."""
    import torch

    from repair.rewrite.runtime import _pad

    worst = {"onnx vs torch": 0.0, "numpy vs torch": 0.0, "onnx vs numpy": 0.0,
             "onnx vs torch, p >= 1e-4": 0.0, "numpy vs torch, p >= 1e-4": 0.0,
             "onnx vs torch, target token": 0.0, "numpy vs torch, target token": 0.0}
    c = np_model.cfg
    for src, keeps, _ in batches:
        ids, mask = _pad(src, c.pad)
        tgt, tmask = _pad(keeps, c.pad)
        y = np.concatenate([np.full((len(keeps), 1), c.start, dtype=np.int64), tgt[:, :-1]], 1)
        with torch.no_grad():
            lt = torch_model(input_ids=torch.from_numpy(ids),
                             attention_mask=torch.from_numpy(mask).long(),
                             decoder_input_ids=torch.from_numpy(y),
                             copy_ids=torch.from_numpy(ids)).logits.numpy()
        enc, keys, before, cross, add = ort_model.encode(ids, mask)
        p, _, _ = ort_model.decode(y, 0, ort_model._empty(len(keeps)), enc, keys, before, ids,
                                   add, cross)
        lo = np.log(p + 1e-9)
        e = np_model.encode(ids, mask)
        k, b = np_model._copy_parts(e, ids)
        from repair.rewrite.runtime import _additive

        h = np_model._decoder(y, 0, [None] * len(np_model.dec_layers), np_model._cross(e),
                              _additive(mask))
        pn, _ = np_model._probs(h, y, e, k, b, ids, mask)
        ln = np.log(pn.reshape(lo.shape) + 1e-9)
        sel = tmask > 0
        worst["onnx vs torch"] = max(worst["onnx vs torch"], float(np.abs(lo - lt)[sel].max()))
        worst["numpy vs torch"] = max(worst["numpy vs torch"], float(np.abs(ln - lt)[sel].max()))
        worst["onnx vs numpy"] = max(worst["onnx vs numpy"], float(np.abs(lo - ln)[sel].max()))
        big = sel[:, :, None] & (lt >= math.log(1e-4))
        tg = np.take_along_axis
        for name, got in (("onnx", lo), ("numpy", ln)):
            key = f"{name} vs torch"
            worst[key + ", p >= 1e-4"] = max(worst[key + ", p >= 1e-4"],
                                             float(np.abs(got - lt)[big].max()))
            d = np.abs(tg(got, tgt[:, :, None], 2) - tg(lt, tgt[:, :, None], 2))[:, :, 0]
            worst[key + ", target token"] = max(worst[key + ", target token"],
                                                float(d[sel].max()))
    return worst


# ---------------------------------------------------------------- 5. timing
def run_all(model, batches: list[tuple]) -> tuple[float, list]:
    t0 = time.perf_counter()
    got = [model.repair_batch(s, k, lim) for s, k, lim in batches]
    return time.perf_counter() - t0, got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "rewriter"))
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="where the .onnx files go (default: a temp dir)")
    args = ap.parse_args()
    import torch
    from threadpoolctl import threadpool_limits

    from repair.eval.arith import matmul_peak, model_shape, span_flops
    from repair.rewrite.runtime import NumpyCopyT5

    torch.set_num_threads(1)
    model_dir = Path(args.model)
    shape = model_shape(json.loads((model_dir / "config.json").read_text(encoding="utf-8")))
    batches = collect_batches(model_dir, args.n)
    out = Path(args.out or tempfile.mkdtemp(prefix="onnx26-"))
    out.mkdir(parents=True, exist_ok=True)
    enc_path, dec_path, step_path, torch_model = export(model_dir, out)
    np_model = NumpyCopyT5(model_dir)
    runtimes = {"numpy": np_model, "onnx": OrtCopyT5(enc_path, dec_path, np_model),
                "onnx-top8": OrtCopyT5(enc_path, dec_path, np_model, step_path)}
    for f in (enc_path, dec_path, step_path):
        print(f"onnx file: {f} ({f.stat().st_size / 1e6:.1f} MB)")

    with threadpool_limits(1):
        peak = max(matmul_peak([(64, shape.d_model, shape.d_model),
                                (64, shape.d_model, shape.d_ff),
                                (64, shape.d_model, shape.vocab)]).values())
        print(f"one-thread matmul peak (repair.eval.arith.matmul_peak): {peak:.1f} GFLOP/s")
        agree = agreement(torch_model, np_model, runtimes["onnx"], batches[64])
        print("agreement, max |log p| (teacher-forced keep targets, every target position):")
        for k, v in agree.items():
            print(f"  {k:34s} {v:.2e}")
        for name in ("onnx", "onnx-top8"):
            same = diff_lp = 0
            for src, keeps, lim in batches[64]:
                hn, sn = np_model.repair_batch(src, keeps, lim)
                ho, so = runtimes[name].repair_batch(src, keeps, lim)
                same += sum(a.tokens == b.tokens for a, b in zip(hn, ho, strict=True))
                diff_lp = max(diff_lp, *(abs(a.logprob - b.logprob)
                                         for a, b in zip(hn, ho, strict=True)),
                              *(abs(a - b) for a, b in zip(sn, so, strict=True)))
            n_spans = sum(len(s) for s, _, _ in batches[64])
            print(f"{name}: greedy outputs equal to numpy's {same}/{n_spans}; max |logprob| "
                  f"difference of the repairs and keep scores {diff_lp:.2e}")

        for b in (1, 64):
            ws, tot_parts, tot, rates = breakdown(np_model, batches[b])
            print(f"\nNumPy runtime, batch {b}: where the time goes (instrumented pass)")
            for k, v in ws.items():
                print(f"  {k:72s} {v:7.3f} s {v / ws['total (instrumented)']:6.1%}")
            print("  timing blocks:", {k: round(v, 3) for k, v in tot.items()})
            print("  wrapped calls:", {k: v[1] for k, v in tot_parts.items()})
            print("  ", {k: round(v, 1) for k, v in rates.items()})
            ort_ops = ort_profile(enc_path, dec_path, step_path, np_model, batches[b], out)
            print(f"ONNX Runtime (top-8 steps), batch {b}: kernel time by operator "
                  f"(profiled pass; the rest of the run is Python and the session calls)")
            for k, v in ort_ops:
                print(f"  {k:72s} {v:7.3f} s")

        times: dict[tuple[str, int], list[float]] = {}
        results = {}
        for _ in range(args.repeats):
            for b in (1, 64):
                for name, model in runtimes.items():
                    dt, got = run_all(model, batches[b])
                    times.setdefault((name, b), []).append(dt)
                    results[(name, b)] = got
    print(f"\none thread, best (median) of {args.repeats}, {args.n} held-out spans, "
          f"peak {peak:.1f} GFLOP/s")
    print("| runtime | batch | spans/s | s best | s median | GFLOP/s (matrix) | of peak |"
          " x numpy |")
    print("|---|---|---|---|---|---|---|---|")
    for b in (1, 64):
        srcs = [s for src, _, _ in batches[b] for s in src]
        keeps = [k for _, ks, _ in batches[b] for k in ks]
        hyps = [h for hs, _ in results[("numpy", b)] for h in hs]
        mat = sum(span_flops(shape, len(s), len(h.tokens), len(k))
                  for s, h, k in zip(srcs, hyps, keeps, strict=True))
        ew = sum(elementwise_flops(shape, len(s), len(h.tokens), len(k))
                 for s, h, k in zip(srcs, hyps, keeps, strict=True))
        for name in runtimes:
            best, med = min(times[(name, b)]), statistics.median(times[(name, b)])
            print(f"| {name} | {b} | {len(srcs) / best:.1f} | {best:.3f} | {med:.3f} | "
                  f"{mat / best / 1e9:.1f} | {mat / best / 1e9 / peak:.0%} | "
                  f"{min(times[('numpy', b)]) / best:.2f} |")
        print(f"  batch {b}: {len(srcs)} spans, mean window "
              f"{statistics.mean(len(s) for s in srcs):.1f} tokens, mean steps "
              f"{statistics.mean(len(h.tokens) for h in hyps):.1f}, "
              f"{mat / len(srcs) / 1e6:.1f} matrix MFLOP/span, {ew / len(srcs) / 1e6:.2f} "
              f"element-wise MFLOP/span ({ew / (ew + mat):.2%} of all)")


def ort_profile(enc_path, dec_path, step_path, np_model, batches, out: Path):
    """Seconds per ONNX operator type over one pass of ``batches`` (ORT's own profiler)."""
    rt = OrtCopyT5(enc_path, dec_path, np_model, step_path, profile=str(out / "ort"))
    t0 = time.perf_counter()
    for s, k, lim in batches:
        rt.repair_batch(s, k, lim)
    wall = time.perf_counter() - t0
    per: dict[str, float] = {}
    for sess in (rt.enc, rt.dec, rt.step):
        events = json.loads(Path(sess.end_profiling()).read_text(encoding="utf-8"))
        for e in events:
            if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
                op = e.get("args", {}).get("op_name", "?")
                per[op] = per.get(op, 0.0) + e["dur"] / 1e6
    kern = sum(per.values())
    rows = sorted(per.items(), key=lambda kv: -kv[1])
    return [("wall (profiled pass)", wall), ("all kernels", kern),
            *[(f"  {k}", v) for k, v in rows[:8]],
            ("  other operators", sum(v for _, v in rows[8:]))]

if __name__ == "__main__":
    sys.exit(main())

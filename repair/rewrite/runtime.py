"""The copy-T5 rewriter on NumPy: the same arithmetic as :mod:`repair.rewrite.copy_model` and
:mod:`repair.rewrite.decode`, without importing torch or transformers.

Why: the model is small (4.2M parameters, d_model 192), so on a CPU a span costs a few dozen
small matrix products per decoder step, and eager PyTorch spends more time dispatching them
than computing them; importing torch and transformers' T5 also took about 2.5 s and 250 MB
before the first sentence (measured: ``repair bench startup``). NumPy is already loaded by the
detector. The weights are read from ``model.safetensors`` as they are (no conversion step:
the safetensors file *is* the fast-loading form) and cast to float32, as the torch path loads
them.

What is computed is the pointer-generator of ``copy_model`` (see its docstring): T5 encoder
(relative position buckets, RMS layer norm, gated-GELU feed-forward), decoder with a key/value
cache, the copy attention with ``copy_prev``, the gate, and ``log(g p_vocab + (1 - g) p_copy)``.
The encoder runs once per span and serves both the greedy repair and the teacher-forced keep
score (the torch path runs it twice). Decoding mirrors :func:`repair.rewrite.decode.greedy`
(repeat blocking included). ``tests/test_rewrite_runtime.py`` compares it with the torch model
on the shipped rewriter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repair.errors import ModelError
from repair.rewrite.decode import Hypothesis, _new_repeat, _repeats
from repair.text.timing import timed

__all__ = ["NumpyCopyT5", "greedy_tokens", "is_numpy_model"]

_WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class _Config:
    d_model: int
    d_kv: int
    num_heads: int
    num_layers: int
    num_decoder_layers: int
    buckets: int
    max_distance: int
    eps: float
    pad: int
    eos: int
    start: int
    tie: bool
    copy_prev: bool


def is_numpy_model(path: str | Path) -> bool:
    """True when the directory holds a copy-T5 with safetensors weights (what this runs)."""
    p = Path(path)
    try:
        cfg = json.loads((p / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (cfg.get("model_type") == "copy_t5" and (p / _WEIGHTS).is_file()
            and cfg.get("feed_forward_proj", "gated-gelu") == "gated-gelu")


def _mm(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w`` for a (..., k) ``x`` as one 2-D product (NumPy broadcasts a 3-D ``x`` as a
    batch of small products, several times slower)."""
    return (x.reshape(-1, x.shape[-1]) @ w).reshape(*x.shape[:-1], w.shape[1])


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    var = np.mean(x * x, axis=-1, keepdims=True)
    return w * (x / np.sqrt(var + eps))


def _gelu(x: np.ndarray) -> np.ndarray:
    """T5's tanh GELU, ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, in one buffer
    (the same roundings: halving is exact)."""
    y = x * 0.044715  # left to right, as the expression is evaluated
    y *= x
    y *= x
    y += x
    y *= math.sqrt(2.0 / math.pi)
    np.tanh(y, out=y)
    y += 1.0
    y *= x
    y *= 0.5
    return y


def _softmax(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    return e / np.sum(e, axis=-1, keepdims=True)


def _buckets(rel: np.ndarray, bidirectional: bool, n: int, max_distance: int) -> np.ndarray:
    """T5's relative position buckets (``T5Attention._relative_position_bucket``)."""
    out = np.zeros_like(rel)
    if bidirectional:
        n //= 2
        out += (rel > 0).astype(rel.dtype) * n
        rel = np.abs(rel)
    else:
        rel = -np.minimum(rel, 0)
    exact = n // 2
    with np.errstate(divide="ignore"):
        large = exact + (np.log(np.maximum(rel, 1).astype(np.float32) / exact)
                         / math.log(max_distance / exact) * (n - exact)).astype(rel.dtype)
    large = np.minimum(large, n - 1)
    return out + np.where(rel < exact, rel, large)


class NumpyCopyT5:
    """A copy-T5 directory, for inference on NumPy (float32)."""

    def __init__(self, path: str | Path):
        from safetensors.numpy import load_file

        p = Path(path)
        try:
            raw = json.loads((p / "config.json").read_text(encoding="utf-8"))
            with timed("load: rewriter weights"):
                w = {k: v.astype(np.float32) for k, v in load_file(str(p / _WEIGHTS)).items()}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the copy-T5 weights ({exc}); the directory needs "
                             f"config.json and {_WEIGHTS}", p) from exc
        self.cfg = _Config(
            raw["d_model"], raw["d_kv"], raw["num_heads"], raw["num_layers"],
            raw.get("num_decoder_layers") or raw["num_layers"],
            raw.get("relative_attention_num_buckets", 32),
            raw.get("relative_attention_max_distance", 128), raw.get("layer_norm_epsilon", 1e-6),
            raw.get("pad_token_id", 0), raw.get("eos_token_id", 1),
            raw.get("decoder_start_token_id", 0), raw.get("tie_word_embeddings", True),
            bool(raw.get("copy_prev", False)))
        # One BLAS thread, as the torch path runs on one: its products are small, and on a
        # shared 2-core machine OpenBLAS's own threads made the vocabulary product 20x slower
        # (measured: 32 ms against 1.7 ms for 64 spans).
        from threadpoolctl import ThreadpoolController

        self._blas = ThreadpoolController()
        try:
            self._prepare(w)
        except KeyError as exc:
            raise ModelError(f"copy-T5 weights lack {exc}; export the model again with "
                             "`repair train rewriter --export`", p / _WEIGHTS) from exc

    def _prepare(self, w: dict[str, np.ndarray]) -> None:
        c = self.cfg
        t = lambda k: np.ascontiguousarray(w[k].T)  # noqa: E731  (x @ W.T as x @ Wt)
        self.emb = w["shared.weight"]
        self.emb_t = np.ascontiguousarray(self.emb.T) * (c.d_model ** -0.5 if c.tie else 1.0)
        if not c.tie:
            self.emb_t = t("lm_head.weight")

        def attn(prefix: str) -> tuple[np.ndarray, ...]:
            return (t(f"{prefix}.q.weight"), t(f"{prefix}.k.weight"), t(f"{prefix}.v.weight"),
                    t(f"{prefix}.o.weight"))

        def ff(prefix: str) -> tuple[np.ndarray, ...]:
            return (t(f"{prefix}.wi_0.weight"), t(f"{prefix}.wi_1.weight"),
                    t(f"{prefix}.wo.weight"))

        e, d = "encoder.block", "decoder.block"
        self.enc_layers = [
            (w[f"{e}.{i}.layer.0.layer_norm.weight"], attn(f"{e}.{i}.layer.0.SelfAttention"),
             w[f"{e}.{i}.layer.1.layer_norm.weight"], ff(f"{e}.{i}.layer.1.DenseReluDense"))
            for i in range(c.num_layers)]
        self.dec_layers = [
            (w[f"{d}.{i}.layer.0.layer_norm.weight"], attn(f"{d}.{i}.layer.0.SelfAttention"),
             w[f"{d}.{i}.layer.1.layer_norm.weight"], attn(f"{d}.{i}.layer.1.EncDecAttention"),
             w[f"{d}.{i}.layer.2.layer_norm.weight"], ff(f"{d}.{i}.layer.2.DenseReluDense"))
            for i in range(c.num_decoder_layers)]
        self.enc_bias = w[f"{e}.0.layer.0.SelfAttention.relative_attention_bias.weight"]
        self.dec_bias = w[f"{d}.0.layer.0.SelfAttention.relative_attention_bias.weight"]
        self.enc_norm = w["encoder.final_layer_norm.weight"]
        self.dec_norm = w["decoder.final_layer_norm.weight"]
        self.copy_q, self.copy_k = t("copy_query.weight"), t("copy_key.weight")
        self.copy_prev = t("copy_prev.weight") if c.copy_prev else None
        self.gate_w, self.gate_b = w["copy_gate.weight"][0], float(w["copy_gate.bias"][0])
        self.n_params = sum(v.size for v in w.values())

    # ------------------------------------------------------------------ building blocks
    def _heads(self, x: np.ndarray) -> np.ndarray:  # (n, L, H*dk) -> (n, H, L, dk)
        n, length, _ = x.shape
        return x.reshape(n, length, self.cfg.num_heads, self.cfg.d_kv).transpose(0, 2, 1, 3)

    def _merge(self, x: np.ndarray) -> np.ndarray:  # (n, H, L, dk) -> (n, L, H*dk)
        n, _, length, _ = x.shape
        return x.transpose(0, 2, 1, 3).reshape(n, length, -1)

    def _ff(self, x: np.ndarray, weights: tuple[np.ndarray, ...]) -> np.ndarray:
        wi0, wi1, wo = weights
        return _mm(_gelu(_mm(x, wi0)) * _mm(x, wi1), wo)

    def _bias(self, table: np.ndarray, q: np.ndarray, k: np.ndarray, bidirectional: bool
              ) -> np.ndarray:
        rel = k[None, :] - q[:, None]
        b = _buckets(rel, bidirectional, self.cfg.buckets, self.cfg.max_distance)
        return table[b].transpose(2, 0, 1)[None]  # (1, H, q, k)

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Encoder states (n, S, d) of padded ``ids`` with ``mask``."""
        c = self.cfg
        x = self.emb[ids]
        pos = np.arange(ids.shape[1])
        bias = self._bias(self.enc_bias, pos, pos, True) + _additive(mask)
        for ln1, (wq, wk, wv, wo), ln2, ff in self.enc_layers:
            h = _rms(x, ln1, c.eps)
            q, k, v = (self._heads(_mm(h, wq)), self._heads(_mm(h, wk)),
                       self._heads(_mm(h, wv)))
            a = _softmax(q @ k.transpose(0, 1, 3, 2) + bias)
            x = x + _mm(self._merge(a @ v), wo)
            x = x + self._ff(_rms(x, ln2, c.eps), ff)
        return _rms(x, self.enc_norm, c.eps)

    def _cross(self, enc: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self._heads(_mm(enc, wk)).transpose(0, 1, 3, 2), self._heads(_mm(enc, wv)))
                for _, _, _, (_, wk, wv, _), _, _ in self.dec_layers]

    def _decoder(self, y: np.ndarray, start: int, cache: list, cross: list,
                 enc_mask: np.ndarray) -> np.ndarray:
        """Decoder states of tokens ``y`` (n, T) at positions ``start``..; ``cache`` holds each
        layer's keys and values of earlier positions (extended in place)."""
        c = self.cfg
        x = self.emb[y]
        t = y.shape[1]
        q_pos, k_pos = np.arange(start, start + t), np.arange(start + t)
        self_bias = self._bias(self.dec_bias, q_pos, k_pos, False)
        causal = np.where(k_pos[None, :] > q_pos[:, None], np.float32(-np.inf), np.float32(0))
        self_bias = self_bias + causal[None, None]
        for li, (ln1, (wq, wk, wv, wo), ln2, (cq, _, _, co), ln3, ff) in enumerate(
                self.dec_layers):
            h = _rms(x, ln1, c.eps)
            q, k, v = (self._heads(_mm(h, wq)), self._heads(_mm(h, wk)),
                       self._heads(_mm(h, wv)))
            if cache[li] is not None:
                k = np.concatenate([cache[li][0], k], axis=2)
                v = np.concatenate([cache[li][1], v], axis=2)
            cache[li] = (k, v)
            a = _softmax(q @ k.transpose(0, 1, 3, 2) + self_bias)
            x = x + _mm(self._merge(a @ v), wo)
            h = _rms(x, ln2, c.eps)
            ck, cv = cross[li]
            a = _softmax(self._heads(_mm(h, cq)) @ ck + enc_mask)
            x = x + _mm(self._merge(a @ cv), co)
            x = x + self._ff(_rms(x, ln3, c.eps), ff)
        return _rms(x, self.dec_norm, c.eps)

    def _probs(self, h: np.ndarray, y: np.ndarray, enc: np.ndarray, keys: np.ndarray,
               before: np.ndarray | None, src: np.ndarray, mask: np.ndarray,
               sel: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The pointer-generator's mixture ``g p_vocab + (1 - g) p_copy`` (N, V) at the
        decoder positions ``sel`` selects of ``h`` (n, T, d) (all when None), and each
        position's normaliser ``log(sum(p) + V 1e-9)``: ``decode.py`` takes the
        log-probability of a token as ``log_softmax(log(p + 1e-9))``, which is
        ``log(p + 1e-9)`` minus that. Only the tokens needed are taken the log of (the greedy
        choice, the keep target): the log and the renormalisation over the whole vocabulary
        were half the rewriter's time."""
        with timed("rewrite: copy head"):
            scores = _mm(h, self.copy_q) @ keys
            if before is not None:
                scores = scores + _mm(self.emb[y], self.copy_prev) @ before
            scores = scores / math.sqrt(h.shape[-1]) + _additive(mask)[:, 0]
            attn = _softmax(scores)  # (n, T, S)
            ctx = attn @ enc
            g = 1.0 / (1.0 + np.exp(-(np.concatenate([h, ctx], -1) @ self.gate_w
                                      + self.gate_b)))  # (n, T)
            if sel is None:
                rows, cols = np.divmod(np.arange(h.shape[0] * h.shape[1]), h.shape[1])
            else:
                rows, cols = np.nonzero(sel)
        with timed("rewrite: vocabulary"):
            logits = h[rows, cols] @ self.emb_t  # (N, V)
            logits -= logits.max(-1, keepdims=True)
            np.exp(logits, out=logits)
            gv = g[rows, cols]
            logits *= (gv / logits.sum(-1))[:, None]
            p = logits
        with timed("rewrite: copy head"):
            s = attn.shape[-1]
            np.add.at(p, (np.repeat(np.arange(len(rows)), s), src[rows].reshape(-1)),
                      ((1.0 - gv)[:, None] * attn[rows, cols]).reshape(-1))
            norm = np.log(p.sum(-1) + p.shape[-1] * 1e-9)
        return p, norm

    def _copy_parts(self, enc: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        keys = _mm(enc, self.copy_k).transpose(0, 2, 1)  # (n, d, S)
        before = None
        if self.copy_prev is not None:
            e = self.emb[src]
            before = np.concatenate([np.zeros_like(e[:, :1]), e[:, :-1]], 1).transpose(0, 2, 1)
        return keys, before

    # ------------------------------------------------------------------ decoding
    def repair_batch(self, sources: Sequence[Sequence[int]], keeps: Sequence[Sequence[int]],
                     max_new_tokens: int, block_repeats: bool = True,
                     ) -> tuple[list[Hypothesis], list[float]]:
        """Greedy repairs (as ``decode.greedy``) and keep scores (as ``decode.score``) of one
        batch, the encoder run once for both."""
        with self._blas.limit(limits=1, user_api="blas"):
            return self._repair_batch(sources, keeps, max_new_tokens, block_repeats)

    def _repair_batch(self, sources, keeps, max_new_tokens, block_repeats):
        c = self.cfg
        ids, mask = _pad(sources, c.pad)
        with timed("rewrite: encoder"):
            enc = self.encode(ids, mask)
            cross = self._cross(enc)
            keys, before = self._copy_parts(enc, ids)
            enc_mask = _additive(mask)
        with timed("rewrite: keep score"):
            scores = self._score(enc, ids, mask, keys, before, cross, enc_mask, keeps)
        with timed("rewrite: decoder steps"):
            hyps = self._greedy(enc, ids, mask, keys, before, cross, enc_mask, sources,
                                max_new_tokens, block_repeats)
        return hyps, scores

    def _score(self, enc, ids, mask, keys, before, cross, enc_mask, targets) -> list[float]:
        c = self.cfg
        tgt, tmask = _pad(targets, c.pad)
        y = np.concatenate([np.full((len(targets), 1), c.start, dtype=np.int64), tgt[:, :-1]], 1)
        h = self._decoder(y, 0, [None] * len(self.dec_layers), cross, enc_mask)
        sel = tmask > 0  # the vocabulary only where a target token is
        p, norm = self._probs(h, y, enc, keys, before, ids, mask, sel)
        rows, cols = np.nonzero(sel)
        lp = np.log(p[np.arange(len(rows)), tgt[rows, cols]] + 1e-9) - norm
        got = np.zeros(len(targets), dtype=np.float32)
        np.add.at(got, rows, lp.astype(np.float32))
        return [float(v) for v in got]

    def _greedy(self, enc, ids, mask, keys, before, cross, enc_mask, sources, max_new_tokens,
                block_repeats) -> list[Hypothesis]:
        """Greedy search as ``decode.greedy``; a finished row leaves the batch (the rows still
        writing are computed alone), which changes no row's arithmetic."""
        c = self.cfg
        n = len(sources)
        out: list[list[int]] = [[] for _ in range(n)]
        total = np.zeros(n, dtype=np.float32)
        allowed = [_repeats(list(s)) for s in sources]
        act = np.arange(n)  # rows still writing
        last = np.full((n, 1), c.start, dtype=np.int64)
        cache: list = [None] * len(self.dec_layers)
        for step in range(max_new_tokens):
            h = self._decoder(last, step, cache, cross, enc_mask)
            p, norm = self._probs(h, last, enc, keys, before, ids, mask)
            tok = greedy_tokens(p, act, out, allowed, block_repeats)
            best = np.log(p[np.arange(len(act)), tok] + 1e-9) - norm
            total[act] += best.astype(np.float32)
            going = tok != c.eos
            if not going.any():
                break
            if not going.all():  # drop the finished rows from every per-row array
                act, tok = act[going], tok[going]
                enc, ids, mask, keys = enc[going], ids[going], mask[going], keys[going]
                before = before[going] if before is not None else None
                enc_mask = enc_mask[going]
                cross = [(k[going], v[going]) for k, v in cross]
                cache = [(k[going], v[going]) for k, v in cache]
            last = tok[:, None]
        return [Hypothesis(t, float(s)) for t, s in zip(out, total.tolist(), strict=True)]


def greedy_tokens(p: np.ndarray, act: np.ndarray, out: list[list[int]], allowed: list,
                  block_repeats: bool) -> np.ndarray:
    """Each active row's greedy token of the mixture ``p`` (rows of ``act``), the first of the
    next seven best where the best would repeat an n-gram the source does not (as
    ``decode.greedy``); appended to the rows' ``out``."""
    tok = p.argmax(-1)
    for j, i in enumerate(act.tolist()):
        if block_repeats and _new_repeat(out[i], int(tok[j]), allowed[i]):
            for cand in np.argsort(-p[j], kind="stable")[1:8].tolist():
                if not _new_repeat(out[i], cand, allowed[i]):
                    tok[j] = cand
                    break
        out[i].append(int(tok[j]))
    return tok


def _additive(mask: np.ndarray) -> np.ndarray:
    """(n, 1, 1, S) additive attention mask: 0 where attended, -inf at padding."""
    return np.where(mask[:, None, None, :] > 0, np.float32(0), np.float32(-np.inf))


def _pad(rows: Sequence[Sequence[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    n = max(1, max(len(r) for r in rows))
    ids = np.full((len(rows), n), pad, dtype=np.int64)
    mask = np.zeros((len(rows), n), dtype=np.float32)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask

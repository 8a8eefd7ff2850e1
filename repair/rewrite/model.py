"""The span rewriter: a local encoder-decoder that repairs one marked span at a time.

Models trained by ``repair train rewriter`` are copy-T5 directories (``model_type: copy_t5``);
any other ``save_pretrained`` encoder-decoder with a tokenizer also loads, and is then given
the same span windows. Keep is the default: the unchanged span is scored as a hypothesis too,
and a repair is used only when its log-probability beats keeping by the model's
``keep_margin`` in nats, a log-likelihood ratio (calibrated on held-out clean spans, stored
in ``rewriter.json``). Measured against the mean per token, the total keeps the decision on
the tokens where the two hypotheses differ: at 98% of the clean spans the detector marks
kept, 30% of held-out corruptions were repaired exactly, against 11% with the mean.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.errors import ModelError
from repair.rewrite.spans import SPECIAL_TOKENS
from repair.text.timing import timed

__all__ = ["SpanRepair", "SpanRewriter", "load_rewriter", "model_meta", "rewriter_context",
           "rewriter_version",
           "train_config",
           "DEFAULT_MARGIN", "DEFAULT_CONTEXT", "PATTERNS_FILE", "LAYER_DIR"]

log = logging.getLogger(__name__)

DEFAULT_MARGIN = 3.0  # nats; used when a model directory has no calibrated margin
DEFAULT_CONTEXT = 6  # words of context on each side, when the training config does not say
PATTERNS_FILE = "patterns.tsv"  # phrases a fine-tuned model learned to flag (repair.train.patterns)
LAYER_DIR = "detector_layer"  # a fine-tuned model's learned detection layer (repair.detect.layer)


@dataclass(frozen=True)
class SpanRepair:
    text: str  # the repair (equal to the marked span when kept)
    changed: bool
    logprob: float  # log-probability of the model's own repair
    keep_logprob: float  # ... and of keeping the span
    check: str = ""  # why the model's own output was not used ("keep" or a span check)
    steps: int = 0  # decoder steps of the greedy repair (tokens written, eos included)


class SpanRewriter:
    """Tokenizer + model from a local directory; :meth:`repair` decides each span.

    On a CPU a copy-T5 runs on NumPy (:mod:`repair.rewrite.runtime`, no torch import), any
    other model on PyTorch; ``device="cuda"`` runs on a GPU in half precision
    (:mod:`repair.rewrite.device`). The tokenizer is the directory's ``tokenizer.json`` read by
    ``tokenizers`` itself (what transformers wraps), so a job that needs the rewriter does not
    import transformers either. Repeated spans (the same window and span) are decided once per
    process: news repeats its names and phrases (``cache_size`` decisions are remembered)."""

    def __init__(self, model_dir: str | Path, threads: int | None = None, device: str = "cpu",
                 runtime: str = "auto", cache_size: int = 20_000):
        from repair.rewrite.device import plan_device
        from repair.rewrite.runtime import is_numpy_model

        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise ModelError(
                "not a model directory (no config.json); give a save_pretrained folder such as "
                "models/rewriter, or train one with `repair train rewriter`", path)
        if runtime not in ("auto", "numpy", "torch"):
            raise ValueError(f"runtime must be auto, numpy or torch, not {runtime!r}")
        numpy_ok = runtime != "torch" and is_numpy_model(path)
        if runtime == "numpy" and not numpy_ok:
            raise ModelError("the NumPy runtime runs copy-T5 directories with "
                             "model.safetensors only; use runtime torch", path)
        self.plan = plan_device(device, numpy_ok)
        self.path = path
        with timed("load: rewriter tokenizer"):
            self.tokenizer = _Tokenizer(path)
        with timed("load: rewriter model"):
            if self.plan.runtime == "numpy":
                from repair.rewrite.runtime import NumpyCopyT5

                self.model = NumpyCopyT5(path)
            else:
                self.model = _torch_model(path, self.plan, threads)
        self.version = rewriter_version(str(path))
        meta = model_meta(path)
        self.keep_margin = float(meta.get("keep_margin", DEFAULT_MARGIN))
        self.context_words = int(meta.get("context_words", DEFAULT_CONTEXT))
        self._cache: dict[tuple, SpanRepair] = {}
        self._cache_size = cache_size
        split = [t for t in SPECIAL_TOKENS[:18] if len(self.tokenizer.encode(t)) != 1]
        if split:
            log.warning("%s: tokenizer splits %s; expect more kept spans", path, split[:3])

    def _batch(self, src: list[list[int]], keeps: list[list[int]], limit: int):
        """Greedy hypotheses and keep log-probabilities of one batch."""
        if self.plan.runtime == "numpy":
            return self.model.repair_batch(src, keeps, limit)
        from repair.rewrite import decode

        with timed("rewrite: decoder steps"):
            hyps = decode.greedy(self.model, src, max_new_tokens=limit)
        with timed("rewrite: keep score"):
            return hyps, decode.score(self.model, src, keeps)

    def repair(self, sources: Sequence[str], spans: Sequence[str], *, margin: float | None = None,
               batch_size: int | None = 64, max_new_tokens: int = 32) -> list[SpanRepair]:
        """The repair of each marked ``spans[i]`` given its window ``sources[i]``: the model's
        greedy output when it beats keeping the span by ``margin`` (default: the model's) and
        passes the span checks in its window (:func:`repair.rewrite.guard.span_problem`).
        ``batch_size`` None: the device's (:data:`repair.rewrite.device.GPU_BATCH` on a GPU)."""
        from repair.rewrite.guard import span_problem

        if not sources:
            return []
        margin = self.keep_margin if margin is None else margin
        batch_size = batch_size or self.plan.batch_size
        out: list[SpanRepair | None] = [None] * len(sources)
        todo: dict[tuple, list[int]] = {}  # each distinct (window, span) once
        for i, (src, sp) in enumerate(zip(sources, spans, strict=True)):
            key = (src, sp, margin, max_new_tokens)
            if key in self._cache:
                out[i] = self._cache[key]
            else:
                todo.setdefault(key, []).append(i)
        keys = list(todo)
        if keys:
            with timed("rewrite: tokenizer"):
                src_ids = self._ids([k[0] for k in keys], 96)
                keep_ids = self._ids([k[1] for k in keys], max_new_tokens)
        order = sorted(range(len(keys)), key=lambda i: len(src_ids[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            limit = min(max_new_tokens, max(len(keep_ids[i]) for i in idx) * 2 + 4)
            hyps, kept = self._batch([src_ids[i] for i in idx], [keep_ids[i] for i in idx],
                                     limit)
            for i, h, k in zip(idx, hyps, kept, strict=True):
                source, span = keys[i][0], keys[i][1]
                text = self.tokenizer.decode(h.tokens).strip()
                check = ("keep" if text == span.strip() or h.logprob - k < margin
                         else span_problem(span, text, *_context(source)))
                rep = SpanRepair(text if not check else span, not check, h.logprob, k, check,
                                 len(h.tokens))
                if len(self._cache) < self._cache_size:
                    self._cache[keys[i]] = rep
                for j in todo[keys[i]]:
                    out[j] = rep
        return out  # type: ignore[return-value]

    def clear_cache(self) -> None:
        """Forget the decided spans (benchmarks time the model, not the cache)."""
        self._cache.clear()

    def _ids(self, texts: Sequence[str], max_len: int) -> list[list[int]]:
        return [ids[:max_len] for ids in self.tokenizer.encode_batch(list(texts))]


class _Tokenizer:
    """The directory's tokenizer: ``tokenizer.json`` through ``tokenizers`` (what
    transformers' fast tokenizer calls), else transformers' ``AutoTokenizer``."""

    def __init__(self, path: Path):
        self._hf = None
        if (path / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            self._tk = Tokenizer.from_file(str(path / "tokenizer.json"))
            self._tk.no_padding()
            self._tk.no_truncation()
            return
        from transformers import AutoTokenizer

        try:
            self._hf = AutoTokenizer.from_pretrained(str(path))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load the tokenizer ({exc}); the directory needs "
                             "tokenizer.json or tokenizer files", path) from exc

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        if self._hf is not None:
            return self._hf(texts).input_ids
        return [e.ids for e in self._tk.encode_batch(texts)]

    def encode(self, text: str) -> list[int]:
        """Without the end-of-sequence token."""
        if self._hf is not None:
            return self._hf(text, add_special_tokens=False).input_ids
        return self._tk.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        if self._hf is not None:
            return self._hf.decode(ids, skip_special_tokens=True)
        return self._tk.decode(ids, skip_special_tokens=True)


def _torch_model(path: Path, plan, threads: int | None):
    """The model on PyTorch (transformers' Auto classes) on ``plan.device`` in ``plan.dtype``."""
    import torch
    from transformers import AutoModelForSeq2SeqLM
    from transformers.utils import logging as hf_logging

    import repair.rewrite.copy_model  # noqa: F401  (registers copy_t5 with the Auto classes)

    hf_logging.disable_progress_bar()  # a weight-loading bar per job is noise in the CLI
    if threads:
        torch.set_num_threads(threads)
    try:
        model = AutoModelForSeq2SeqLM.from_pretrained(str(path), dtype=torch.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"cannot load an encoder-decoder model ({exc}); the directory needs config.json "
            "and model weights", path) from exc
    if not model.config.is_encoder_decoder:
        raise ModelError("model is not an encoder-decoder (seq2seq) model", path)
    model = model.to(device=plan.device, dtype=getattr(torch, plan.dtype))
    model.eval()
    return model


def _context(source: str) -> tuple[str, str]:
    from repair.rewrite.spans import window_parts

    left, _, right = window_parts(source)
    return left, right


def train_config(path: str | Path) -> dict:
    """The training settings a model directory records (``train_config.yaml``; {} if none)."""
    cfg = Path(path) / "train_config.yaml"
    if not cfg.exists():
        return {}
    import yaml

    return yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}


def model_meta(path: Path) -> dict:
    """What a model directory records about itself: its window (``context_words``, from the
    training settings) and its calibration (``rewriter.json``)."""
    data = train_config(path)
    meta: dict = {"context_words": data["context_words"]} if "context_words" in data else {}
    f = path / "rewriter.json"
    if f.exists():
        meta.update(json.loads(f.read_text(encoding="utf-8")))
    return meta


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin")):
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
        with f.open("rb") as fh:
            h.update(fh.read(1 << 20))
    return h.hexdigest()[:10]


@functools.lru_cache(maxsize=16)
def rewriter_version(model_dir: str) -> str:
    """``name@digest`` of the model in ``model_dir``, what proposals record, read without
    loading the model (a job whose flagged spans need no model never loads it)."""
    path = Path(model_dir)
    if not (path / "config.json").is_file():
        raise ModelError(
            "not a model directory (no config.json); give a save_pretrained folder such as "
            "models/rewriter, or train one with `repair train rewriter`", path)
    return f"{path.name}@{_digest(path)}"


@functools.lru_cache(maxsize=16)
def rewriter_context(model_dir: str) -> int:
    """Words of context each side the model in ``model_dir`` was trained with (no model
    loaded)."""
    return int(model_meta(Path(model_dir)).get("context_words", DEFAULT_CONTEXT))


@functools.lru_cache(maxsize=4)
def load_rewriter(model_dir: str, device: str = "cpu") -> SpanRewriter:
    """The rewriter in ``model_dir``, loaded once per process (on a CPU on one thread: its
    matrices are small, measured on 2 cores: 716 input sentences/s with 1 torch thread, 467
    with 2; parallel work comes from job workers, and one thread makes results independent of
    the machine's core count)."""
    with timed("load: rewriter"):
        return SpanRewriter(model_dir, threads=1, device=device)

"""Train the seq2seq rewriter: a T5-style encoder-decoder from scratch on synthetic pairs.

Training pairs are (corrupted -> clean) from :func:`repair.synth` over the clean corpus, plus
copy pairs (clean -> clean, the sentences the generator leaves alone) so the model learns to
leave correct text as it is. Names are protected the way inference protects them: corrupted
names (pinyin, calqued Japanese names) and some capitalised name runs are replaced by entity
placeholders (``<ent0>`` ...) on both sides, so the model learns to copy placeholders.

Runs are resumable: a checkpoint (model, optimizer, lr schedule position, step, data position, RNG
state) is written every ``save_every`` steps and on SIGTERM / Ctrl-C, and ``resume=True``
continues from it. The data position is exact: example ``g`` of the stream is sentence
``perm_epoch[g % n]`` corrupted with an RNG seeded by ``(seed, epoch, g % n)``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import random
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repair.config import ROOT, save_settings
from repair.errors import ConfigError, InputError
from repair.rewrite.tokenizer import placeholder, train_tokenizer
from repair.text import corpus_sentences

__all__ = [
    "RewriterTrainSettings",
    "TrainResult",
    "load_train_settings",
    "collate",
    "make_pair",
    "name_runs",
    "export_checkpoint",
    "train_rewriter",
]

log = logging.getLogger(__name__)

NAME_FAMILIES = ("pinyin", "calque_name")
_WORD = re.compile(r"\w+")


def name_runs(text: str) -> list[tuple[int, int]]:
    """Spans of runs of two or more capitalised words joined by single spaces."""
    out, run = [], []
    for m in _WORD.finditer(text):
        if m.group()[0].isupper() and (not run or text[run[-1][1] : m.start()] == " "):
            run.append((m.start(), m.end()))
            continue
        if len(run) >= 2:
            out.append((run[0][0], run[-1][1]))
        run = [(m.start(), m.end())] if m.group()[0].isupper() else []
    if len(run) >= 2:
        out.append((run[0][0], run[-1][1]))
    return out


@dataclass(frozen=True)
class RewriterTrainSettings:
    corpus: str = "../shared/data/corpus/train.jsonl.gz"
    out_dir: str = "models/rewriter-cpu"  # the exported save_pretrained model
    run_dir: str = "runs/rewriter-cpu"  # checkpoints, tokenizer, log
    # tokenizer
    vocab_size: int = 8000
    tokenizer_sentences: int = 200_000
    # model (T5 v1.1 style)
    d_model: int = 256
    d_ff: int = 768
    num_layers: int = 3
    num_decoder_layers: int = 2
    num_heads: int = 4
    dropout: float = 0.1
    feed_forward_proj: str = "gated-gelu"
    # data
    max_words: int = 22  # sentence-length cap on the clean corpus
    max_len: int = 48  # tokens, both sides
    synth_rate: float = 0.6  # share of sentences corrupted; the rest are copy pairs
    synth_seed: int = 0
    name_placeholder_prob: float = 0.8  # corrupted names -> placeholders on both sides
    run_placeholder_prob: float = 0.3  # capitalised name runs -> placeholders on both sides
    # optimisation
    batch_size: int = 32
    lr: float = 1e-3
    warmup_steps: int = 200
    max_steps: int = 3000
    max_minutes: float | None = None  # also stop after this much training time; the
    # linear decay then follows whichever of steps and time is further along
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    precision: str = "fp32"  # fp32 | bf16 (CUDA)
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 1  # torch CPU threads
    num_workers: int = 0  # DataLoader workers generating pairs
    # bookkeeping
    save_every: int = 250
    log_every: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        if self.precision not in ("fp32", "bf16"):
            raise ValueError("precision must be fp32 or bf16")
        if self.max_steps < 1 or self.batch_size < 1:
            raise ValueError("max_steps and batch_size must be >= 1")


@dataclass(frozen=True)
class TrainResult:
    out_dir: str
    steps: int
    seconds: float
    final_loss: float
    finished: bool  # False when stopped by a signal before max_steps


def _path(p: str) -> Path:
    q = Path(p).expanduser()
    return q if q.is_absolute() else (ROOT / q).resolve()


def load_train_settings(path: str | Path) -> RewriterTrainSettings:
    """Read a ``configs/train_rewriter*.yaml`` file into settings."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config ({exc.strerror})", path) from exc
    names = {f.name for f in dataclasses.fields(RewriterTrainSettings)}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}; known: {sorted(names)}", path)
    try:
        return RewriterTrainSettings(**data)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid settings: {exc}", path) from exc


# --------------------------------------------------------------------------- data


def load_corpus(path: str | Path, max_words: int) -> list[str]:
    """Clean sentences of at most ``max_words`` words from a corpus ``.jsonl.gz``."""
    p = _path(str(path))
    out = corpus_sentences(p, max_words=max_words)
    if not out:
        raise InputError(f"no sentences of <= {max_words} words", p)
    return out


def make_pair(pair, rng: random.Random, name_prob: float, run_prob: float) -> tuple[str, str]:
    """(source, target) from a synthetic pair, with names replaced by entity placeholders.

    Corrupted names become placeholders with probability ``name_prob``; capitalised name runs
    outside the corruptions (copied as they are) with probability ``run_prob``. Placeholders
    are numbered left to right, as inference numbers them.
    """
    src = pair.corrupted
    edits = []  # (start, end, target_text, protect)
    for s in pair.spans:
        protect = s.category in NAME_FAMILIES and rng.random() < name_prob
        edits.append((s.start, s.end, s.original, protect))
    taken = [(s.start, s.end) for s in pair.spans]
    for a, b in name_runs(src):
        if any(a < e and s < b for s, e in taken):
            continue
        if rng.random() < run_prob:
            edits.append((a, b, src[a:b], True))
    edits.sort()
    s_parts, t_parts, pos, k = [], [], 0, 0
    for start, end, original, protect in edits:
        s_parts.append(src[pos:start])
        t_parts.append(src[pos:start])
        if protect and k < 16:
            ph = placeholder(k)
            k += 1
            s_parts.append(ph)
            t_parts.append(ph)
        else:
            s_parts.append(src[start:end])
            t_parts.append(original)
        pos = end
    s_parts.append(src[pos:])
    t_parts.append(src[pos:])
    return "".join(s_parts), "".join(t_parts)


class PairStream:
    """The deterministic stream of training pairs: example ``g`` is a pure function of ``g``."""

    def __init__(self, sentences: list[str], st: RewriterTrainSettings):
        from repair.synth import Synthesizer, SynthSettings

        self.sentences = sentences
        self.st = st
        self.synth = Synthesizer(
            SynthSettings(seed=st.synth_seed, rate=st.synth_rate, substitute_names=False)
        )
        self._epoch, self._perm = -1, list[int]()

    def example(self, g: int) -> tuple[str, str]:
        """The ``g``-th (source, target) pair of the stream."""
        n = len(self.sentences)
        epoch, k = divmod(g, n)
        if epoch != self._epoch:
            self._perm = list(range(n))
            random.Random(f"{self.st.seed}:perm:{epoch}").shuffle(self._perm)
            self._epoch = epoch
        rng = random.Random(f"{self.st.synth_seed}:{epoch}:{k}")
        pair = self.synth.corrupt(self.sentences[self._perm[k]], rng)
        return make_pair(pair, rng, self.st.name_placeholder_prob, self.st.run_placeholder_prob)


def _batches(
    stream: PairStream, tok, st: RewriterTrainSettings, start_batch: int,
    worker: int = 0, n_workers: int = 1,
) -> Iterator[dict]:
    """Batches ``start_batch, start_batch + 1, ...``; worker ``w`` of ``n`` makes every n-th."""
    b = start_batch + worker
    while True:
        g0 = b * st.batch_size
        yield collate([stream.example(g) for g in range(g0, g0 + st.batch_size)], tok,
                       st.max_len)
        b += n_workers


def collate(buf: list[tuple[str, str]], tok, max_len: int) -> dict:
    src = tok([s for s, _ in buf], max_length=max_len, truncation=True, padding=True,
              return_tensors="pt")
    tgt = tok([t for _, t in buf], max_length=max_len, truncation=True, padding=True,
              return_tensors="pt")
    labels = tgt.input_ids.masked_fill(tgt.attention_mask == 0, -100)
    return {"input_ids": src.input_ids, "attention_mask": src.attention_mask, "labels": labels}


# --------------------------------------------------------------------------- model


def build_model(st: RewriterTrainSettings, tok):
    """A randomly initialised T5 encoder-decoder sized by the settings."""
    from transformers import T5Config, T5ForConditionalGeneration

    cfg = T5Config(
        vocab_size=len(tok),
        d_model=st.d_model,
        d_kv=st.d_model // st.num_heads,
        d_ff=st.d_ff,
        num_layers=st.num_layers,
        num_decoder_layers=st.num_decoder_layers,
        num_heads=st.num_heads,
        dropout_rate=st.dropout,
        feed_forward_proj=st.feed_forward_proj,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    return T5ForConditionalGeneration(cfg)


def lr_factor(st: RewriterTrainSettings, step: int, seconds: float) -> float:
    """Learning-rate multiplier: linear warm-up over steps, then linear decay to 0 at
    ``max_steps`` or ``max_minutes``, whichever comes first."""
    if step < st.warmup_steps:
        return (step + 1) / st.warmup_steps
    done = (step - st.warmup_steps) / max(1, st.max_steps - st.warmup_steps)
    if st.max_minutes:
        done = max(done, seconds / (st.max_minutes * 60))
    return max(0.0, 1.0 - done)


def _out_of_time(st: RewriterTrainSettings, seconds: float) -> bool:
    return bool(st.max_minutes) and seconds >= st.max_minutes * 60  # type: ignore[operator]


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def export_model(model, tok, st: RewriterTrainSettings, out_dir: Path, extra: dict) -> None:
    """Write the model as fp16 safetensors with its tokenizer and resolved training config."""
    import copy

    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to("cpu", dtype=torch.float16)
    half.save_pretrained(str(out_dir), safe_serialization=True)
    tok.save_pretrained(str(out_dir))
    spm_file = _path(st.run_dir) / "tokenizer" / "spiece.model"
    if spm_file.exists():  # the sentencepiece model the HF tokenizer was converted from
        shutil.copyfile(spm_file, out_dir / "spiece.model")
    save_settings(st, out_dir / "train_config.yaml", extra=extra)


def export_checkpoint(st: RewriterTrainSettings, out_dir: str | Path | None = None) -> Path:
    """Export the run's last checkpoint as a model directory (default ``st.out_dir``), e.g. to
    evaluate a run that is still going or was stopped early."""
    import torch
    from transformers import AutoTokenizer

    run_dir = _path(st.run_dir)
    ckpt = run_dir / "checkpoint.pt"
    if not ckpt.exists():
        raise InputError("no checkpoint yet; train first (`repair train rewriter`)", ckpt)
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    tok = AutoTokenizer.from_pretrained(str(run_dir / "tokenizer"))
    model = build_model(st, tok)
    model.load_state_dict(state["model"])
    model.eval()
    out = _path(str(out_dir)) if out_dir is not None else _path(st.out_dir)
    export_model(model, tok, st, out, {
        "trained_steps": state["step"], "train_seconds": round(state["seconds"], 1),
        "final_loss_ema": round(state["loss_ema"], 4),
        "parameters": sum(p.numel() for p in model.parameters()), "device": "cpu",
    })
    return out


def train_rewriter(
    st: RewriterTrainSettings, *, resume: bool = False, stop_at: int | None = None
) -> TrainResult:
    """Train (or resume training) the rewriter; export it to ``st.out_dir`` when done.

    ``stop_at`` stops at that step with a checkpoint, as an interruption would.
    """
    import torch
    from tqdm import tqdm
    from transformers import AutoTokenizer

    torch.set_num_threads(st.threads)
    torch.manual_seed(st.seed)
    device = (
        ("cuda" if torch.cuda.is_available() else "cpu") if st.device == "auto" else st.device
    )
    run_dir, out_dir = _path(st.run_dir), _path(st.out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = run_dir / "checkpoint.pt"
    tok_dir = run_dir / "tokenizer"

    log.info("loading corpus %s", st.corpus)
    sentences = load_corpus(st.corpus, st.max_words)
    log.info("%d sentences of <= %d words", len(sentences), st.max_words)

    state = None
    if resume:
        if not ckpt_path.exists():
            raise InputError("no checkpoint to resume from; run without --resume", ckpt_path)
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        tok = AutoTokenizer.from_pretrained(str(tok_dir))
    else:
        rng = random.Random(st.seed)
        sample = rng.sample(sentences, min(st.tokenizer_sentences, len(sentences)))
        tok = train_tokenizer(sample, tok_dir, st.vocab_size, seed=st.seed)
    save_settings(st, run_dir / "train_config.yaml")

    model = build_model(st, tok).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("model: %.1fM parameters on %s", n_params / 1e6, device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": st.weight_decay}, {"params": no_decay,
                                                               "weight_decay": 0.0}],
        lr=st.lr,
        betas=(0.9, 0.98),
        eps=1e-8,
    )
    step, seconds, ema = 0, 0.0, float("nan")
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, seconds, ema = state["step"], state["seconds"], state["loss_ema"]
        random.setstate(state["py_rng"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed at step %d (%.0f s trained)", step, seconds)

    stream = PairStream(sentences, st)
    if st.num_workers > 0:
        batches: Any = torch.utils.data.DataLoader(
            _worker_dataset(stream, tok, st, step), batch_size=None, num_workers=st.num_workers
        )
    else:
        batches = _batches(stream, tok, st, step)

    stop = {"flag": False}

    def _on_signal(signum, frame):  # noqa: ARG001
        stop["flag"] = True

    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    def checkpoint() -> None:
        _save_checkpoint(
            ckpt_path,
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "lr_factor": lr_factor(st, step, seconds),
                "step": step,
                "examples": step * st.batch_size,
                "seconds": seconds,
                "loss_ema": ema,
                "py_rng": random.getstate(),
                "torch_rng": torch.get_rng_state(),
                "settings": dataclasses.asdict(st),
            },
        )

    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if st.precision == "bf16" and device == "cuda"
        else _NullCtx()
    )
    model.train()
    bar = tqdm(total=st.max_steps, initial=step, desc="rewriter", file=sys.stderr,
               mininterval=10 if not sys.stderr.isatty() else 0.5, dynamic_ncols=True)
    t_last = time.perf_counter()
    try:
        for batch in batches:
            if (step >= st.max_steps or _out_of_time(st, seconds) or stop["flag"]
                    or (stop_at is not None and step >= stop_at)):
                break
            lr = st.lr * lr_factor(st, step, seconds)
            for group in opt.param_groups:
                group["lr"] = lr
            batch = {k: v.to(device) for k, v in batch.items()}
            with autocast:
                loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), st.grad_clip)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            li = float(loss.detach())
            ema = li if math.isnan(ema) else 0.98 * ema + 0.02 * li
            now = time.perf_counter()
            seconds += now - t_last
            t_last = now
            bar.update(1)
            bar.set_postfix(loss=f"{ema:.3f}", lr=f"{lr:.2e}", refresh=False)
            if step % st.log_every == 0:
                log.info("step %d loss %.4f (ema %.4f) lr %.2e %.0f s",
                         step, li, ema, lr, seconds)
            if step % st.save_every == 0:
                checkpoint()
    finally:
        bar.close()
        for s, h in old.items():
            signal.signal(s, h)
    checkpoint()
    finished = step >= st.max_steps or _out_of_time(st, seconds)
    log.info("%s at step %d, %.0f s, loss ema %.4f", "finished" if finished else "stopped",
             step, seconds, ema)
    if finished:
        model.eval()
        export_model(
            model, tok, st, out_dir,
            {"trained_steps": step, "train_seconds": round(seconds, 1),
             "final_loss_ema": round(ema, 4), "parameters": n_params, "device": device},
        )
    return TrainResult(str(out_dir), step, seconds, ema, finished)


class _NullCtx:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _worker_dataset(stream: PairStream, tok, st: RewriterTrainSettings, start_batch: int):
    """An IterableDataset whose workers interleave batches in stream order (DataLoader
    takes one batch from each worker in turn, so the order is exact)."""
    import torch

    class _Batches(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            w, n = (info.id, info.num_workers) if info is not None else (0, 1)
            return _batches(stream, tok, st, start_batch, w, n)

    return _Batches()

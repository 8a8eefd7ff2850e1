"""Train the span rewriter: a small T5 with a copy head, from scratch or warm-started.

The model reads a window around one marked span and writes only the span's repair (see
:mod:`repair.rewrite.spans` and :mod:`repair.train.rewriter_data`). It is sized for the 2-core
CPU and improves run after run: ``init`` warm-starts from a shipped model and continues its
data stream, and the exported model keeps a learning curve (examples seen, exact-repair rate,
keep rate on held-out dev spans) across warm starts in ``curve.json``.

Runs are resumable: a checkpoint (model, optimizer, step, seconds, RNG state) is written every
``save_every`` steps and on SIGTERM / Ctrl-C; ``resume=True`` continues from it, at the exact
data position.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
from dataclasses import dataclass

from repair import project_path
from repair.errors import ConfigError, InputError
from repair.rewrite.examples import SpanExample, SpanStream, detector_negatives
from repair.rewrite.examples import heldout_examples as examples_from_dev
from repair.text.outputs import save_settings
from repair.train.rewriter_config import RewriterTrainSettings, build_model
from repair.train.rewriter_data import measure
from repair.train.rewriter_io import (
    export_checkpoint,
    export_model,
    prior_curve,
    run_facts,
)
from repair.train.rewriter_loop import TrainingLoop, lr_factor

__all__ = ["RewriterTrainSettings", "TrainResult", "build_model",
           "lr_factor", "heldout_examples", "measure", "export_checkpoint", "export_model",
           "stream_for", "train_rewriter"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    out_dir: str
    steps: int
    seconds: float
    final_loss: float
    finished: bool  # False when stopped by a signal before max_steps
    curve: tuple[dict, ...] = ()


def stream_for(sentences: list[str], negatives, st: RewriterTrainSettings, seed: int,
            synth_seed: int) -> SpanStream:
    return SpanStream(sentences, negatives, seed=seed, synth_seed=synth_seed,
                      keep_rate=st.keep_rate, context_words=st.context_words,
                      name_prob=st.name_placeholder_prob, run_prob=st.run_placeholder_prob,
                      tag_dropout=st.tag_dropout)


def heldout_examples(st: RewriterTrainSettings, n: int, seed: int = 20_261_126,
                     detect_settings=None, aliases=None, skip: int = 0) -> list[SpanExample]:
    """The rewrite stage's held-out examples (``repair.rewrite.examples``) cut with the recipe
    of ``st``: its dev corpus, sentence cap and window."""
    return examples_from_dev(
        project_path(st.dev_corpus), n, seed, detect_settings, aliases, skip,
        max_words=st.max_words, keep_rate=st.keep_rate, context_words=st.context_words,
        name_prob=st.name_placeholder_prob, run_prob=st.run_placeholder_prob)


def _tokenizer(st: RewriterTrainSettings, sentences: list[str], resume: bool):
    from transformers import AutoTokenizer

    from repair.rewrite.spans import SPECIAL_TOKENS
    from repair.rewrite.tokenizer import train_tokenizer

    tok_dir = project_path(st.run_dir) / "tokenizer"
    if resume:
        return AutoTokenizer.from_pretrained(str(tok_dir))
    if st.init:
        tok = AutoTokenizer.from_pretrained(str(project_path(st.init)))
        tok.save_pretrained(str(tok_dir))
        spm = project_path(st.init) / "spiece.model"
        if spm.exists():
            shutil.copyfile(spm, tok_dir / "spiece.model")
        return tok
    sample = random.Random(st.seed).sample(sentences, min(st.tokenizer_sentences,
                                                          len(sentences)))
    return train_tokenizer(sample, tok_dir, st.vocab_size, seed=st.seed, symbols=SPECIAL_TOKENS)


def train_rewriter(
    st: RewriterTrainSettings, *, resume: bool = False, stop_at: int | None = None,
    detect_settings=None, aliases=None,
) -> TrainResult:
    """Train (or resume, or warm-start) the span rewriter; export it to ``st.out_dir``.

    ``stop_at`` stops at that step with a checkpoint, as an interruption would. The detector
    (``detect_settings``, ``aliases``: the run's) gives the keep examples on clean sentences
    (``negative_sentences``).
    """
    import torch

    from repair.text import corpus_sentences

    torch.set_num_threads(st.threads)
    torch.manual_seed(st.seed)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if st.device == "auto" \
        else st.device
    run_dir, out_dir = project_path(st.run_dir), project_path(st.out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if resume and not (run_dir / "checkpoint.pt").exists():
        raise InputError("no checkpoint to resume from; run without --resume",
                         run_dir / "checkpoint.pt")

    log.info("loading corpus %s", st.corpus)
    sentences = corpus_sentences(project_path(st.corpus), max_words=st.max_words)
    if len(sentences) < 2:
        raise InputError(f"no sentences of <= {st.max_words} words", project_path(st.corpus))
    tok = _tokenizer(st, sentences, resume)
    save_settings(st, run_dir / "train_config.yaml")
    negatives = _negatives(st, sentences, detect_settings, aliases)
    log.info("%d sentences, %d detector spans for keep examples", len(sentences),
             len(negatives))

    model = _initial_model(st, tok, resume)
    model.to(device)
    log.info("model: %.2fM parameters on %s", sum(p.numel() for p in model.parameters()) / 1e6,
             device)
    loop = TrainingLoop(st, model, tok, device, run_dir, prior_curve(st.init))
    if resume:
        loop.restore()
    stream = stream_for(sentences, negatives, st, st.seed, st.synth_seed)
    dev = heldout_examples(st, st.eval_n) if st.eval_every >= 0 else []
    finished = loop.run(stream, dev, stop_at)
    if finished:
        model.eval()
        state = {"step": loop.step, "seconds": loop.seconds, "loss_ema": loop.ema,
                 "examples_total": loop.examples}
        export_model(model, tok, st, out_dir, run_facts(state, model, device), loop.curve)
    return TrainResult(str(out_dir), loop.step, loop.seconds, loop.ema, finished,
                       tuple(loop.curve))


def _initial_model(st: RewriterTrainSettings, tok, resume: bool):
    """A new model, or the ``init`` model to warm-start from (a resumed run loads its
    checkpoint's weights over either)."""
    if st.init and not resume:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        import repair.rewrite.copy_model  # noqa: F401  (registers copy_t5)

        return AutoModelForSeq2SeqLM.from_pretrained(str(project_path(st.init)),
                                                     dtype=torch.float32)
    return build_model(st, tok)


def _negatives(st: RewriterTrainSettings, sentences: list[str], detect_settings,
               aliases) -> list:
    """Detector spans on clean training sentences (cached in the run directory)."""
    if st.negative_sentences <= 0:
        return []
    cache = project_path(st.run_dir) / "negatives.jsonl"
    if cache.exists():
        return [tuple(json.loads(line)) for line in cache.read_text("utf-8").splitlines()]
    if detect_settings is None:
        raise ConfigError("negative_sentences needs the run's detector settings and aliases")
    # the last sentences of the corpus: the stream reaches them last
    out = detector_negatives(sentences[-st.negative_sentences:], detect_settings, aliases)
    cache.write_text("".join(json.dumps(list(x), ensure_ascii=False) + "\n" for x in out),
                     encoding="utf-8")
    return out

"""The span rewriter's training settings and its architecture, without the training loop: what
``configs/train_rewriter*.yaml`` sets (as transformers' ``configuration_*.py`` is split from
the modelling code), and the copy-T5 model those settings build."""

from __future__ import annotations

from dataclasses import dataclass

from repair import SHARED

__all__ = ["RewriterTrainSettings", "build_model"]


@dataclass(frozen=True)
class RewriterTrainSettings:
    corpus: str = f"{SHARED}/corpus/train.jsonl.gz"
    dev_corpus: str = f"{SHARED}/corpus/dev.jsonl.gz"  # the learning curve's spans
    out_dir: str = "models/rewriter"  # the exported save_pretrained model
    run_dir: str = "runs/rewriter"  # checkpoints, tokenizer, log
    init: str | None = None  # warm start from this model directory (its tokenizer too)
    # tokenizer
    vocab_size: int = 8000
    tokenizer_sentences: int = 200_000
    # model (T5 v1.1 style, plus the copy head)
    d_model: int = 192
    d_ff: int = 512
    num_layers: int = 3
    num_decoder_layers: int = 2
    num_heads: int = 4
    dropout: float = 0.1
    feed_forward_proj: str = "gated-gelu"
    copy_prev: bool = True  # copy scores also match the token just written (see copy_model)
    # data
    max_words: int = 40  # sentence-length cap on the clean corpus
    context_words: int = 6  # words of context on each side of the span
    max_source: int = 48  # tokens
    max_target: int = 24
    keep_rate: float = 0.3  # share of keep examples (the rest repair one corruption)
    negative_sentences: int = 30_000  # clean sentences the detector marks for keep examples
    tag_dropout: float = 0.1
    synth_seed: int = 0
    name_placeholder_prob: float = 0.8
    run_placeholder_prob: float = 0.3
    # optimisation
    batch_size: int = 64
    lr: float = 1.5e-3
    warmup_steps: int = 100
    max_steps: int = 20_000
    max_minutes: float | None = None  # also stop after this much training time; the linear
    # decay then follows whichever of steps and time is further along
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    precision: str = "fp32"  # fp32 | bf16 (CUDA)
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 2  # torch CPU threads
    # bookkeeping
    save_every: int = 250
    log_every: int = 50
    eval_every: int = 1000  # learning-curve point every this many steps (0 = only at the end)
    eval_n: int = 600  # held-out dev spans per curve point
    seed: int = 0

    def __post_init__(self) -> None:
        if self.precision not in ("fp32", "bf16"):
            raise ValueError("precision must be fp32 or bf16")
        if self.max_steps < 1 or self.batch_size < 1:
            raise ValueError("max_steps and batch_size must be >= 1")


def build_model(st: RewriterTrainSettings, tok):
    """A randomly initialised copy-T5 sized by the settings."""
    from repair.rewrite.copy_model import CopyT5Config, CopyT5ForConditionalGeneration

    cfg = CopyT5Config(
        vocab_size=len(tok), d_model=st.d_model, d_kv=st.d_model // st.num_heads, d_ff=st.d_ff,
        num_layers=st.num_layers, num_decoder_layers=st.num_decoder_layers,
        num_heads=st.num_heads, dropout_rate=st.dropout, feed_forward_proj=st.feed_forward_proj,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.pad_token_id, tie_word_embeddings=True,
        copy_prev=st.copy_prev,
    )
    return CopyT5ForConditionalGeneration(cfg)

"""The rewriter's tokenizer: a sentencepiece unigram model served as a Hugging Face fast tokenizer.

Entity placeholders (``<ent0>`` ... ``<ent15>``) are user-defined pieces, so they are always
single tokens; unknown characters fall back to bytes, so no input character is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

__all__ = ["PLACEHOLDERS", "placeholder", "train_tokenizer", "spm_to_hf"]

log = logging.getLogger(__name__)

PLACEHOLDERS: tuple[str, ...] = tuple(f"<ent{i}>" for i in range(16))


def placeholder(i: int) -> str:
    """The placeholder string for the ``i``-th protected entity of a sentence."""
    return f"<ent{i}>"


def train_tokenizer(
    sentences: Iterable[str],
    out_dir: str | Path,
    vocab_size: int,
    *,
    max_sentences: int = 200_000,
    seed: int = 0,
    symbols: tuple[str, ...] = PLACEHOLDERS,
):
    """Train a unigram sentencepiece model on ``sentences`` and return it as an HF tokenizer.

    Writes ``spiece.model`` and the HF tokenizer files into ``out_dir``. ``symbols`` (entity
    placeholders, span markers, tags) are single tokens that are never split.
    """
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / "spiece"
    spm.set_random_generator_seed(seed)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=0.9995,
        byte_fallback=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        user_defined_symbols=list(symbols),
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        input_sentence_size=max_sentences,
        shuffle_input_sentence=True,
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    tok = spm_to_hf(prefix.with_suffix(".model"), symbols)
    tok.save_pretrained(str(out_dir))
    return tok


def spm_to_hf(model_file: str | Path, symbols: tuple[str, ...] = PLACEHOLDERS):
    """Wrap a sentencepiece unigram model as a ``PreTrainedTokenizerFast`` (no protobuf needed)."""
    import sentencepiece as spm
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    vocab = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    tk = Tokenizer(models.Unigram(vocab, unk_id=sp.unk_id(), byte_fallback=True))
    tk.normalizer = normalizers.NFC()
    tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    tk.decoder = decoders.Sequence(
        [decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="first")]
    )
    eos = sp.id_to_piece(sp.eos_id())
    tk.post_processor = TemplateProcessing(
        single=f"$A {eos}", pair=f"$A {eos} $B {eos}", special_tokens=[(eos, sp.eos_id())]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=tk,
        pad_token=sp.id_to_piece(sp.pad_id()),
        eos_token=eos,
        unk_token=sp.id_to_piece(sp.unk_id()),
    )
    tok.add_tokens([AddedToken(p, normalized=False, special=False) for p in symbols])
    return tok

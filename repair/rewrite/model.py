"""A local encoder-decoder checkpoint (``save_pretrained`` directory) used as the rewriter.

Any ``AutoModelForSeq2SeqLM`` + ``AutoTokenizer`` directory works; models trained by
``repair train rewriter`` keep entity placeholders atomic, others are still safe because every
rewrite is restored and verified (see :mod:`repair.rewrite.entities`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from repair.errors import ModelError
from repair.rewrite.tokenizer import PLACEHOLDERS

__all__ = ["Seq2SeqRewriter", "load_rewriter", "DECODERS"]

log = logging.getLogger(__name__)

DECODERS = ("fast", "greedy", "beam")


class Seq2SeqRewriter:
    """Tokenizer + model from a local directory; :meth:`rewrite` turns sentences into rewrites."""

    def __init__(self, model_dir: str | Path, threads: int | None = None):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weight-loading bar per job is noise in the CLI
        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise ModelError(
                "not a model directory (no config.json); give a save_pretrained folder such as "
                "models/rewriter-cpu, or train one with `repair train rewriter`",
                path,
            )
        if threads:
            torch.set_num_threads(threads)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(path))
            self.model = AutoModelForSeq2SeqLM.from_pretrained(str(path), dtype=torch.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(
                f"cannot load an encoder-decoder model and tokenizer ({exc}); the directory "
                "needs config.json, model weights and tokenizer files",
                path,
            ) from exc
        if not self.model.config.is_encoder_decoder:
            raise ModelError("model is not an encoder-decoder (seq2seq) model", path)
        self.model.eval()
        self.path = path
        self.version = f"{path.name}@{_digest(path)}"
        ids = [self.tokenizer(p, add_special_tokens=False).input_ids for p in PLACEHOLDERS[:2]]
        self.atomic_placeholders = all(len(i) == 1 for i in ids)
        if not self.atomic_placeholders:
            log.warning("%s: tokenizer splits entity placeholders; expect more fallbacks", path)

    def encode(self, texts: Sequence[str], max_len: int = 128) -> list[list[int]]:
        """Token ids with the tokenizer's special tokens (eos), truncated to ``max_len``."""
        return [
            ids[:max_len] for ids in self.tokenizer(list(texts), add_special_tokens=True).input_ids
        ]

    def rewrite(
        self,
        sources: Sequence[str],
        prefixes: Sequence[str] | None = None,
        *,
        method: str = "fast",
        batch_size: int = 16,
        num_beams: int = 4,
        max_new_tokens: int = 160,
        stats: dict | None = None,
    ) -> list[str]:
        """Rewrite each source; the output starts with its forced ``prefix`` (if given).

        At most ``max_new_tokens`` (and 1.5 times the input length plus 4) are generated;
        ``stats`` collects the fast path's decoder passes and emitted tokens.
        """
        from repair.rewrite import decode

        if not sources:
            return []
        if method not in DECODERS:
            raise ValueError(f"method must be one of {DECODERS}, not {method!r}")
        prefixes = list(prefixes) if prefixes is not None else [""] * len(sources)
        src_ids = self.encode(sources)
        pre_ids = [
            self.tokenizer(p, add_special_tokens=False).input_ids if p else [] for p in prefixes
        ]
        order = sorted(range(len(sources)), key=lambda i: len(src_ids[i]))
        out: list[str] = [""] * len(sources)
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            s = [src_ids[i] for i in idx]
            p = [pre_ids[i] for i in idx]
            # the guard rejects outputs over 1.5x the input length: no need to generate more
            max_new = min(max_new_tokens, max(len(x) for x in s) * 3 // 2 + 4)
            if method == "fast":
                res = decode.copy_decode(self.model, s, p, max_new_tokens=max_new, stats=stats)
            elif method == "greedy":
                res = decode.greedy(self.model, s, p, max_new_tokens=max_new)
            else:
                res = decode.beam(self.model, s, p, max_new_tokens=max_new, num_beams=num_beams)
            for i, toks in zip(idx, res, strict=True):
                out[i] = self.tokenizer.decode(toks, skip_special_tokens=True)
        return out


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin")):
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
        with f.open("rb") as fh:
            h.update(fh.read(1 << 20))
    return h.hexdigest()[:10]


@functools.lru_cache(maxsize=4)
def load_rewriter(model_dir: str) -> Seq2SeqRewriter:
    """The rewriter in ``model_dir``, loaded once per process."""
    return Seq2SeqRewriter(model_dir)

"""A T5 encoder-decoder with a pointer-generator copy head (``model_type: copy_t5``).

Most of a span repair is a copy of the input (a duplicated phrase loses one copy, an English
word sits between Vietnamese words that stay). A plain decoder must learn to reproduce every
input token through its vocabulary softmax, which a small model trained on two CPU cores does
not manage (it writes frequent words instead: see issue #10's measurements). As in
copy-augmented grammatical error correction (Zhao et al., 2019), a learned attention over the
encoder states gives a copy distribution over the source tokens, and a learned gate mixes it
with the vocabulary distribution:

    p(y) = g * softmax(W h)[y] + (1 - g) * sum_{i: x_i = y} a_i

With ``copy_prev`` the copy score of source position ``i`` also compares the token just
written with source token ``i - 1`` (a learned bilinear form over the shared embeddings), so
"continue copying after the token I just copied" is one easy-to-learn term instead of a
position the decoder must track through relative attention.

The model's ``logits`` are ``log p(y)`` (already normalised), so argmax decoding and
teacher-forced scoring use them as they are. The source ids the copy head points into are
``copy_ids`` (default: ``input_ids``); pass them when the encoder outputs are given instead.
Importing this module registers the type with ``AutoConfig`` / ``AutoModelForSeq2SeqLM``, so a
``save_pretrained`` directory loads like any other local model.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForSeq2SeqLM, T5Config, T5ForConditionalGeneration
from transformers.modeling_outputs import BaseModelOutput, Seq2SeqLMOutput

__all__ = ["CopyT5Config", "CopyT5ForConditionalGeneration", "is_copy_model"]


class CopyT5Config(T5Config):
    model_type = "copy_t5"

    def __init__(self, copy_prev: bool = False, **kwargs):
        # copy_prev: the copy score also compares the token just written with the token
        # before each source position, so "copy the next token" is one learned bilinear form
        self.copy_prev = copy_prev
        super().__init__(**kwargs)


class CopyT5ForConditionalGeneration(T5ForConditionalGeneration):
    config_class = CopyT5Config

    def __init__(self, config: CopyT5Config):
        super().__init__(config)
        d = config.d_model
        self.copy_query = nn.Linear(d, d, bias=False)
        self.copy_key = nn.Linear(d, d, bias=False)
        self.copy_gate = nn.Linear(2 * d, 1)
        self.copy_prev = nn.Linear(d, d, bias=False) if config.copy_prev else None
        for lin in (self.copy_query, self.copy_key, self.copy_gate, self.copy_prev):
            if lin is None:
                continue
            nn.init.normal_(lin.weight, std=d**-0.5)
        nn.init.zeros_(self.copy_gate.bias)

    def forward(  # type: ignore[override]
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        decoder_attention_mask: torch.Tensor | None = None,
        encoder_outputs=None,
        cache=None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        copy_ids: torch.LongTensor | None = None,
        **kwargs,
    ) -> Seq2SeqLMOutput:
        if encoder_outputs is None:
            encoder_outputs = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        elif not isinstance(encoder_outputs, BaseModelOutput):
            encoder_outputs = BaseModelOutput(last_hidden_state=encoder_outputs[0])
        enc = encoder_outputs.last_hidden_state
        src = copy_ids if copy_ids is not None else input_ids
        if src is None:
            raise ValueError("copy_t5 needs the source ids (input_ids or copy_ids)")
        if attention_mask is None:
            attention_mask = torch.ones(src.shape, dtype=torch.long, device=src.device)
        if labels is not None and decoder_input_ids is None:
            decoder_input_ids = self._shift_right(labels)
        dec = self.decoder(
            input_ids=decoder_input_ids,
            attention_mask=decoder_attention_mask,
            cache=cache,
            encoder_hidden_states=enc,
            encoder_attention_mask=attention_mask,
            use_cache=use_cache,
        )
        h = dec.last_hidden_state
        h_lm = h * (self.model_dim**-0.5) if self.config.tie_word_embeddings else h
        p_vocab = torch.softmax(self.lm_head(h_lm).float(), dim=-1)
        scores = self.copy_query(h) @ self.copy_key(enc).transpose(1, 2)
        if self.copy_prev is not None:
            # source token i-1 against the token just written (the decoder input at step t)
            before = nn.functional.pad(self.shared(src)[:, :-1], (0, 0, 1, 0))
            written = self.copy_prev(self.shared(decoder_input_ids))
            scores = scores + written @ before.transpose(1, 2)
        scores = scores / math.sqrt(h.size(-1))
        scores = scores.float().masked_fill(attention_mask[:, None, :] == 0, float("-inf"))
        attn = torch.softmax(scores, dim=-1)  # (batch, target, source)
        gate = torch.sigmoid(self.copy_gate(torch.cat([h, attn.to(enc.dtype) @ enc], -1)).float())
        index = src[:, None, :].expand(-1, attn.size(1), -1)
        p_copy = torch.zeros_like(p_vocab).scatter_add_(2, index, attn)
        logp = torch.log(gate * p_vocab + (1 - gate) * p_copy + 1e-9)
        loss = None
        if labels is not None:
            loss = nn.functional.nll_loss(
                logp.view(-1, logp.size(-1)), labels.view(-1), ignore_index=-100
            )
        return Seq2SeqLMOutput(
            loss=loss,
            logits=logp,
            cache=dec.cache if hasattr(dec, "cache") else None,
            encoder_last_hidden_state=enc,
        )


def is_copy_model(model) -> bool:
    """True when ``model`` takes ``copy_ids`` (the pointer-generator rewriter)."""
    return isinstance(model, CopyT5ForConditionalGeneration)


AutoConfig.register("copy_t5", CopyT5Config, exist_ok=True)
AutoModelForSeq2SeqLM.register(CopyT5Config, CopyT5ForConditionalGeneration, exist_ok=True)

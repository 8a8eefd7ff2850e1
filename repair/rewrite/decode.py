"""Decoding for the span rewriter: batched greedy search with a key/value cache, and
teacher-forced scoring of a given target (the unchanged span, for the keep decision).

Both work for the copy model (:mod:`repair.rewrite.copy_model`, whose logits are already
log-probabilities) and for any plain local encoder-decoder (log-softmax of its logits).
Targets are a few tokens, so greedy search is all that is needed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Hypothesis", "greedy", "score"]


@dataclass(frozen=True)
class Hypothesis:
    tokens: list[int]  # generated ids, eos included when reached
    logprob: float  # log-probability of the tokens (eos included)


@functools.lru_cache(maxsize=1)
def _cache_arg() -> str:
    """The forward argument that carries the cache (``past_key_values`` before transformers 5);
    read on first use, so that importing this module (the NumPy runtime shares its repeat
    rules) does not import transformers."""
    from transformers import T5ForConditionalGeneration

    params = inspect.signature(T5ForConditionalGeneration.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _pad(rows: Sequence[Sequence[int]], pad: int, device=None):
    import torch

    n = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(list(r), dtype=torch.long)
        mask[i, : len(r)] = 1
    return (ids, mask) if device is None else (ids.to(device), mask.to(device))


def _extra(model, ids) -> dict:
    from repair.rewrite.copy_model import is_copy_model

    return {"copy_ids": ids} if is_copy_model(model) else {}


def _logprobs(logits):
    import torch

    return torch.log_softmax(logits.float(), dim=-1)


def _repeats(tokens: Sequence[int], max_n: int = 3) -> set[tuple[int, ...]]:
    """Immediately repeated token n-grams in ``tokens`` ("a a", "a b a b")."""
    out = set()
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - 2 * n + 1):
            if tokens[i : i + n] == tokens[i + n : i + 2 * n]:
                out.add(tuple(tokens[i : i + n]))
    return out


def _new_repeat(ys: list[int], tok: int, allowed: set[tuple[int, ...]], max_n: int = 3) -> bool:
    """Whether emitting ``tok`` after ``ys`` repeats an n-gram immediately, which the
    source does not do."""
    seq = ys + [tok]
    for n in range(1, max_n + 1):
        if len(seq) >= 2 * n and seq[-n:] == seq[-2 * n : -n] and tuple(seq[-n:]) not in allowed:
            return True
    return False


def greedy(model, sources: Sequence[Sequence[int]], max_new_tokens: int = 32,
           block_repeats: bool = True) -> list[Hypothesis]:
    """Greedy search for each source (one batch); stops at eos or ``max_new_tokens``.

    With ``block_repeats`` a token that would repeat the last words immediately ("giữ giữ")
    where the source has no such repetition is passed over for the next best: a small copy
    model's typical failure is to copy the same token again instead of stopping.
    """
    import torch

    cfg = model.config
    eos, pad = cfg.eos_token_id, cfg.pad_token_id
    if not sources:
        return []
    dev = getattr(model, "device", None)  # the model's device (a GPU with --device cuda)
    ids, mask = _pad(sources, pad, dev)
    n = len(sources)
    arg = _cache_arg()
    with torch.inference_mode():
        enc = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        last = torch.full((n, 1), cfg.decoder_start_token_id, dtype=torch.long, device=dev)
        cache = None
        out: list[list[int]] = [[] for _ in range(n)]
        total = torch.zeros(n, device=dev)
        done = torch.zeros(n, dtype=torch.bool, device=dev)
        allowed = [_repeats(list(s)) for s in sources]
        for _ in range(max_new_tokens):
            res = model(encoder_outputs=(enc,), attention_mask=mask, decoder_input_ids=last,
                        use_cache=True, **{arg: cache}, **_extra(model, ids))
            cache = getattr(res, arg)
            lp = _logprobs(res.logits[:, -1])
            best, tok = lp.max(-1)
            # one copy to the host per step (on a GPU each element read is a synchronisation)
            toks, finished = tok.tolist(), done.tolist()
            if block_repeats:
                for i in range(n):
                    if not finished[i] and _new_repeat(out[i], toks[i], allowed[i]):
                        for cand in lp[i].topk(8).indices.tolist()[1:]:
                            if not _new_repeat(out[i], cand, allowed[i]):
                                tok[i], best[i] = cand, lp[i, cand]
                                toks[i] = cand
                                break
            tok = torch.where(done, torch.full_like(tok, pad), tok)
            total += torch.where(done, torch.zeros_like(best), best)
            for i in range(n):
                if not finished[i]:
                    out[i].append(toks[i])
            done |= tok == eos
            if bool(done.all()):
                break
            last = tok[:, None]
    return [Hypothesis(t, float(s)) for t, s in zip(out, total.tolist(), strict=True)]


def score(model, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]]) -> list[float]:
    """Log-probability of each target (eos included) given its source, in one teacher-forced
    pass."""
    import torch

    cfg = model.config
    if not sources:
        return []
    dev = getattr(model, "device", None)
    ids, mask = _pad(sources, cfg.pad_token_id, dev)
    tgt, tmask = _pad(targets, cfg.pad_token_id, dev)
    start = torch.full((len(targets), 1), cfg.decoder_start_token_id, dtype=torch.long,
                       device=dev)
    dec = torch.cat([start, tgt[:, :-1]], dim=1)
    with torch.inference_mode():
        res = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec,
                    **_extra(model, ids))
        lp = _logprobs(res.logits).gather(-1, tgt[:, :, None])[:, :, 0] * tmask
    return lp.sum(1).tolist()

"""Decoding for the rewriter: plain greedy and beam search (Hugging Face ``generate``) and the
fast path, input-copy speculative decoding.

The fast path uses the input sentence as the draft (most of a repair is a copy of its input):
the decoder verifies the draft in one teacher-forced pass, the longest prefix that matches the
model's own greedy choices is accepted together with the model's next token, and the draft is
re-aligned to the input after a divergence (as in aggressive decoding for grammatical error
correction). Every emitted token is the model's argmax given exactly the tokens before it, so
the output is the greedy output; only the number of decoder passes changes.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["greedy", "beam", "copy_decode"]


def _cache_arg() -> str:
    """The forward argument / output field that carries the key-value cache (renamed from
    ``past_key_values`` to ``cache`` in transformers 5.x)."""
    import inspect

    from transformers import T5ForConditionalGeneration

    params = inspect.signature(T5ForConditionalGeneration.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


_CACHE_ARG = _cache_arg()


def _pad(rows: Sequence[Sequence[int]], pad: int):
    import torch

    n = max(len(r) for r in rows)
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def _start(model) -> int:
    return model.config.decoder_start_token_id


def _generate(model, sources, prefixes, max_new_tokens: int, num_beams: int) -> list[list[int]]:
    """HF generate, batched over rows whose forced prefixes have the same length."""
    import torch

    pad = model.config.pad_token_id
    out: list[list[int] | None] = [None] * len(sources)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prefixes):
        groups.setdefault(len(p), []).append(i)
    for idx in groups.values():
        ids, mask = _pad([sources[i] for i in idx], pad)
        dec = torch.tensor([[_start(model), *prefixes[i]] for i in idx], dtype=torch.long)
        with torch.inference_mode():
            gen = model.generate(
                input_ids=ids,
                attention_mask=mask,
                decoder_input_ids=dec,
                max_new_tokens=max_new_tokens,
                num_beams=num_beams,
                do_sample=False,
                early_stopping=True if num_beams > 1 else False,
            )
        for row, i in enumerate(idx):
            out[i] = _strip(gen[row, 1:].tolist(), model.config.eos_token_id)
    return out  # type: ignore[return-value]


def _strip(ids: list[int], eos: int) -> list[int]:
    """Tokens up to and including the first eos (what follows is batch padding)."""
    return ids[: ids.index(eos) + 1] if eos in ids else ids


def greedy(model, sources, prefixes=None, max_new_tokens: int = 96) -> list[list[int]]:
    """Plain greedy decoding; returns each row's tokens after the start token (prefix
    included, up to and including eos)."""
    prefixes = prefixes or [[] for _ in sources]
    return _generate(model, sources, prefixes, max_new_tokens, 1)


def beam(model, sources, prefixes=None, max_new_tokens: int = 96, num_beams: int = 4):
    """Beam search; same output convention as :func:`greedy`."""
    prefixes = prefixes or [[] for _ in sources]
    return _generate(model, sources, prefixes, max_new_tokens, num_beams)


def _realign(ys: list[int], src: list[int], hint: int, max_k: int = 3) -> int:
    """Draft position in ``src`` after the longest suffix of ``ys`` (up to ``max_k`` tokens)
    found in ``src``, the occurrence nearest to ``hint``; ``hint`` when nothing matches."""
    for k in range(min(max_k, len(ys)), 0, -1):
        tail = ys[-k:]
        best = None
        for j in range(len(src) - k + 1):
            if src[j : j + k] == tail and (best is None or abs(j + k - hint) < abs(best - hint)):
                best = j + k
        if best is not None:
            return best
    return min(hint, len(src))


def _accept(draft: list[int], preds: list[int], eos: int, budget: int) -> tuple[int, list[int]]:
    """Verify a draft against the model's greedy predictions at its positions: the longest
    agreeing prefix plus the model's own next token, cut at eos and at the token budget.
    Returns (accepted draft tokens, emitted tokens)."""
    j = 0
    while j < len(draft) and preds[j] == draft[j]:
        j += 1
    emitted = draft[:j] + [preds[j]]
    if eos in emitted:
        emitted = emitted[: emitted.index(eos) + 1]
    return j, emitted[:budget]


def copy_decode(
    model, sources, prefixes=None, max_new_tokens: int = 96, max_draft: int = 64,
    stats: dict | None = None,
) -> list[list[int]]:
    """Greedy output via input-copy speculative decoding (batched); same convention as
    :func:`greedy`, and the same tokens. ``stats`` (if given) accumulates ``passes`` (decoder
    calls) and ``tokens`` (tokens emitted)."""
    stats = stats if stats is not None else {}
    import torch

    cfg = model.config
    eos, pad = cfg.eos_token_id, cfg.pad_token_id
    prefixes = prefixes or [[] for _ in sources]
    n = len(sources)
    if n == 1:
        return [_copy_decode_one(model, list(sources[0]), list(prefixes[0]), max_new_tokens,
                                 max_draft, stats)]
    ids, mask = _pad(sources, pad)
    with torch.inference_mode():
        enc = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        ys = [[_start(model), *p] for p in prefixes]
        new = [0] * n  # tokens generated after the forced prefix
        ptr = [_realign(ys[i][1:], list(sources[i]), len(prefixes[i])) if prefixes[i] else 0
               for i in range(n)]
        active = [i for i in range(n) if max_new_tokens > 0]
        while active:
            drafts = []
            for i in active:
                room = max_new_tokens - new[i] - 1  # one token always comes from the model
                drafts.append(list(sources[i][ptr[i] : ptr[i] + min(room, max_draft)]))
            dec, _ = _pad([ys[i] + d for i, d in zip(active, drafts, strict=True)], pad)
            rows = torch.tensor(active, dtype=torch.long)
            stats["passes"] = stats.get("passes", 0) + 1
            logits = model(
                encoder_outputs=(enc[rows],), attention_mask=mask[rows], decoder_input_ids=dec
            ).logits
            preds = logits.argmax(-1).tolist()
            still = []
            for r, i in enumerate(active):
                d, base = drafts[r], len(ys[i]) - 1
                p = preds[r][base : base + len(d) + 1]
                j, emitted = _accept(d, p, eos, max_new_tokens - new[i])
                ys[i].extend(emitted)
                new[i] += len(emitted)
                stats["tokens"] = stats.get("tokens", 0) + len(emitted)
                if emitted[-1] == eos or new[i] >= max_new_tokens:
                    continue
                if j == len(d) and ptr[i] + j < len(sources[i]) and sources[i][ptr[i] + j] == p[j]:
                    ptr[i] += j + 1
                else:
                    ptr[i] = _realign(ys[i][1:], list(sources[i]), ptr[i] + j + 1)
                still.append(i)
            active = still
    return [y[1:] for y in ys]


def _copy_decode_one(model, src: list[int], prefix: list[int], max_new_tokens: int,
                     max_draft: int, stats: dict) -> list[int]:
    """One sentence with the decoder's key/value cache: each pass feeds only the tokens not
    yet cached plus the draft, and the cache is cropped back to the accepted tokens."""
    import torch

    cfg = model.config
    eos = cfg.eos_token_id
    with torch.inference_mode():
        ids = torch.tensor([src], dtype=torch.long)
        mask = torch.ones_like(ids)
        enc = model.get_encoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        ys = [_start(model), *prefix]
        pending = list(ys)  # tokens of ys not in the cache yet
        cache = None
        new = 0
        ptr = _realign(prefix, src, len(prefix)) if prefix else 0
        while new < max_new_tokens:
            room = max_new_tokens - new - 1
            d = src[ptr : ptr + min(room, max_draft)]
            inp = torch.tensor([pending + d], dtype=torch.long)
            stats["passes"] = stats.get("passes", 0) + 1
            out = model(encoder_outputs=(enc,), attention_mask=mask, decoder_input_ids=inp,
                        use_cache=True, **{_CACHE_ARG: cache})
            cache = getattr(out, _CACHE_ARG)
            base = len(pending) - 1
            p = out.logits[0, base : base + len(d) + 1].argmax(-1).tolist()
            j, emitted = _accept(d, p, eos, max_new_tokens - new)
            cached = len(ys) + j  # ys before this pass, plus the accepted draft tokens
            ys.extend(emitted)
            new += len(emitted)
            stats["tokens"] = stats.get("tokens", 0) + len(emitted)
            if emitted[-1] == eos:
                break
            _crop(cache, cached)
            pending = ys[cached:]
            if j == len(d) and ptr + j < len(src) and src[ptr + j] == p[j]:
                ptr += j + 1
            else:
                ptr = _realign(ys[1:], src, ptr + j + 1)
    return ys[1:]


def _crop(cache, length: int) -> None:
    """Cut the decoder self-attention cache back to ``length`` positions."""
    self_cache = getattr(cache, "self_attention_cache", cache)
    extra = self_cache.get_seq_length() - length
    if extra <= 0:
        return
    try:
        self_cache.crop(-extra)  # transformers >= 5: number of tokens to remove
    except ValueError:
        self_cache.crop(length)  # older: the length to keep

"""Batches and greedy measurement for the span rewriter's training loop; the examples themselves
are built by the rewrite stage (``repair.rewrite.examples``)."""

from __future__ import annotations

from repair.metrics import exact_rate, span_hits
from repair.rewrite.examples import SpanExample

__all__ = ["collate", "measure"]


def collate(examples: list[SpanExample], tok, max_source: int, max_target: int) -> dict:
    """Padded tensors for a batch (labels padded with -100)."""
    src = tok([e.source for e in examples], max_length=max_source, truncation=True,
              padding=True, return_tensors="pt")
    tgt = tok([e.target for e in examples], max_length=max_target, truncation=True,
              padding=True, return_tensors="pt")
    labels = tgt.input_ids.masked_fill(tgt.attention_mask == 0, -100)
    return {"input_ids": src.input_ids, "attention_mask": src.attention_mask, "labels": labels}


def measure(model, tok, examples: list[SpanExample], batch_size: int = 64) -> dict:
    """Greedy repairs of held-out spans: exact-repair rate (per category) and keep rate."""
    import torch

    from repair.rewrite.decode import greedy

    was_training = model.training
    model.eval()
    outs: list[str] = []
    with torch.inference_mode():
        for b in range(0, len(examples), batch_size):
            chunk = examples[b : b + batch_size]
            ids = [tok(e.source, add_special_tokens=True).input_ids[:64] for e in chunk]
            for h in greedy(model, ids, max_new_tokens=32):
                outs.append(tok.decode(h.tokens, skip_special_tokens=True).strip())
    model.train(was_training)
    hits, totals = span_hits(examples, outs)  # the curve: all keep examples together
    return {
        "exact": round(exact_rate(hits, totals), 4),
        "keep": round(hits["keep"] / max(1, totals["keep"]), 4),
        "by_category": {k: round(hits[k] / totals[k], 4) for k in sorted(totals)},
        "n": dict(totals),
    }

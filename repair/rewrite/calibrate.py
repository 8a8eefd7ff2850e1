"""The keep margin of a span rewriter, calibrated when it is exported (``repair train rewriter``,
``repair finetune``): the smallest margin
(nats) that keeps a target share of the clean spans the detector marks on dev sentences, with
the model's span scores (exact repairs per category, keep rates) at that margin.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from repair.aliases import AliasTable
from repair.detect import DetectSettings
from repair.metrics import exact_rate, span_hits
from repair.rewrite.examples import SpanExample, heldout_examples
from repair.rewrite.model import SpanRewriter
from repair.rewrite.spans import marked_span

__all__ = ["CALIBRATION_SEED", "CALIBRATION_SKIP", "calibrate_margin", "heldout_spans",
           "span_scores", "write_calibration"]

CALIBRATION_SEED = 20_261_127  # dev spans for the keep margin; the evaluation uses another
CALIBRATION_SKIP = 5000  # calibration spans come from dev sentences after the first 5,000


def _repairs(rw: SpanRewriter, examples: Sequence[SpanExample], margin: float):
    spans = [marked_span(e.source) for e in examples]
    return rw.repair([e.source for e in examples], spans, margin=margin)


def span_scores(rw: SpanRewriter, examples: Sequence[SpanExample],
                margin: float | None = None) -> dict:
    """Exact-repair rate per category, and keep rates of the rewriter on span examples:
    ``keep`` on the spans the detector marks on clean sentences (what reaches the model in
    production), ``keep_random`` on random words under a random tag (a stress test)."""
    m = rw.keep_margin if margin is None else margin
    hits, totals = span_hits(examples, [r.text for r in _repairs(rw, examples, m)], _keep_key)
    return {
        "margin": m,
        "exact": exact_rate(hits, totals),
        "keep": hits["keep"] / max(1, totals["keep"]),
        "keep_random": hits["keep_random"] / max(1, totals["keep_random"]),
        "by_category": {k: (hits[k], totals[k]) for k in sorted(totals)},
    }


def _keep_key(e: SpanExample) -> str:
    return "keep_random" if e.category == "keep:random" else "keep"


def calibrate_margin(rw: SpanRewriter, examples: Sequence[SpanExample],
                     target_keep: float = 0.98) -> float:
    """The smallest keep margin (nats) that keeps ``target_keep`` of the clean spans
    the detector marks (``keep:detector`` examples; all keep examples if there are none)
    unchanged."""
    keep = [e for e in examples if e.category == "keep:detector"] or \
        [e for e in examples if e.kind == "keep"]
    if not keep:
        return 0.0
    raw = _repairs(rw, keep, -math.inf)
    gaps = sorted((r.logprob - r.keep_logprob for r in raw if r.changed), reverse=True)
    allowed = int((1.0 - target_keep) * len(keep))  # clean spans that may still change
    if len(gaps) <= allowed:
        return 0.0
    return round(max(0.0, gaps[allowed]) + 1e-3, 4)


def heldout_spans(rw: SpanRewriter, n: int, seed: int, dev_corpus: str | Path,
                  detect: DetectSettings, aliases: AliasTable, skip: int = 0,
                  ) -> list[SpanExample]:
    """``n`` span examples from dev articles, windows cut as the model was trained; the keep
    examples include the spans ``detect`` marks on clean dev sentences."""
    return heldout_examples(dev_corpus, n, seed, detect, aliases, skip,
                            context_words=rw.context_words)


def write_calibration(model_dir: str | Path, dev_corpus: str | Path, detect: DetectSettings,
                      aliases: AliasTable, n: int = 1500, target_keep: float = 0.98) -> dict:
    """Calibrate the keep margin of the model in ``model_dir`` on dev spans the evaluation
    does not use, and record it in ``rewriter.json`` beside the model."""
    rw = SpanRewriter(model_dir)
    examples = heldout_spans(rw, n, CALIBRATION_SEED, dev_corpus, detect, aliases,
                             skip=CALIBRATION_SKIP)
    margin = calibrate_margin(rw, examples, target_keep)
    scores = span_scores(rw, examples, margin)
    meta = {"keep_margin": margin, "context_words": rw.context_words,
            "calibration": {"target_keep": target_keep, "spans": n, "seed": CALIBRATION_SEED,
                            "keep": round(scores["keep"], 4), "exact": round(scores["exact"], 4),
                            "corpus": Path(str(dev_corpus)).name,
                            "sentences_after": CALIBRATION_SKIP}}
    Path(model_dir, "rewriter.json").write_text(json.dumps(meta, indent=1) + "\n",
                                                encoding="utf-8")
    return meta

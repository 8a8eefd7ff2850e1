"""Rewriter evaluation on held-out synthetic data, and calibration of the keep margin.

Two views, both from dev-corpus articles never trained on:

* Spans (the rewriter alone): windows with one marked span, as training makes them, from a
  seed of their own: the exact-repair rate per category and the keep rate on marked clean
  spans (random words and the detector's own spans on clean sentences).
* Sentences (the pipeline): synthetic pairs (half corrupted) through detector and proposals,
  scored with chrF++ (sacrebleu ``CHRF(word_order=2)``) against the clean sentences next to
  doing nothing, aliases only, and all deterministic repairs (aliases, known calques, dates).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from repair.aliases import AliasTable, canonicalize
from repair.text import corpus_sentences

if TYPE_CHECKING:
    from repair.eval.settings import RunSettings
    from repair.rewrite.model import SpanRewriter
    from repair.train.rewriter_data import SpanExample

__all__ = ["chrf", "span_scores", "calibrate_margin", "SyntheticReport", "evaluate_synthetic",
           "CALIBRATION_SEED", "EVAL_SEED", "write_calibration", "heldout_spans"]

CALIBRATION_SEED = 20_261_127  # dev spans for the keep margin; the evaluation uses another
EVAL_SEED = 20_261_125
CALIBRATION_SKIP = 5000  # calibration spans come from dev sentences after the first 5,000


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF++ (character n-grams plus word bigrams), 0..100."""
    from sacrebleu.metrics import CHRF

    if not hypotheses:
        return float("nan")
    return CHRF(word_order=2).corpus_score(list(hypotheses), [list(references)]).score


def _repairs(rw: SpanRewriter, examples: Sequence[SpanExample], margin: float):
    from repair.rewrite.spans import marked_span

    spans = [marked_span(e.source) for e in examples]
    return rw.repair([e.source for e in examples], spans, margin=margin)


def span_scores(rw: SpanRewriter, examples: Sequence[SpanExample],
                margin: float | None = None) -> dict:
    """Exact-repair rate per category, and keep rates of the rewriter on span examples:
    ``keep`` on the spans the detector marks on clean sentences (what reaches the model in
    production), ``keep_random`` on random words under a random tag (a stress test)."""
    from repair.train.rewriter_data import exact_rate, span_hits

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


@dataclass
class SyntheticReport:
    signature: str
    n_corrupted: int = 0
    n_clean: int = 0
    chrf_nothing: float = float("nan")
    chrf_alias: float = float("nan")
    chrf_fixed: float = float("nan")
    chrf_pipeline: float = float("nan")
    exact_pipeline: float = float("nan")  # share of corrupted sentences repaired exactly
    clean_unchanged_pipeline: float = float("nan")
    flagged_corrupted: float = float("nan")
    spans: dict = field(default_factory=dict)
    sources: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (input, output, clean)

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("sentences (corrupted / clean)", f"{self.n_corrupted} / {self.n_clean}"),
            ("chrF++ do-nothing (corrupted)", f"{self.chrf_nothing:.2f}"),
            ("chrF++ alias-only (corrupted)", f"{self.chrf_alias:.2f}"),
            ("chrF++ deterministic: aliases, calques, dates", f"{self.chrf_fixed:.2f}"),
            ("chrF++ pipeline (detector -> proposals)", f"{self.chrf_pipeline:.2f}"),
            ("exact fix, pipeline", f"{self.exact_pipeline:.3f}"),
            ("clean unchanged, pipeline", f"{self.clean_unchanged_pipeline:.3f}"),
            ("corrupted sentences flagged", f"{self.flagged_corrupted:.3f}"),
            ("proposal sources (flagged)", ", ".join(f"{k} {v}" for k, v in
                                                     self.sources.most_common())),
            ("span checks (why a repair was not used)",
             ", ".join(f"{k} {v}" for k, v in self.checks.most_common()) or "none"),
        ]
        if self.spans:
            s = self.spans
            rows += [
                ("spans: keep margin (nats)", f"{s['margin']:.3f}"),
                ("spans: clean spans the detector marks, kept", f"{s['keep']:.3f} "
                 f"({s['by_category'].get('keep', (0, 0))[1]})"),
                ("spans: random clean words under a random tag, kept",
                 f"{s['keep_random']:.3f} ({s['by_category'].get('keep_random', (0, 0))[1]})"),
                ("spans: exact repairs, all categories", f"{s['exact']:.3f}"),
            ]
            rows += [(f"spans: exact repairs, {k}", f"{h / t:.3f} ({h}/{t})")
                     for k, (h, t) in s["by_category"].items() if not k.startswith("keep")]
        return rows


def evaluate_synthetic(
    corpus: str | Path,
    n: int,
    settings: RunSettings,
    aliases: AliasTable,
    *,
    seed: int = EVAL_SEED,
    rate: float = 0.5,
    max_words: int = 40,
) -> SyntheticReport:
    """Measure proposals on ``n`` held-out synthetic sentences and, with a model, the
    rewriter on ``n`` held-out spans."""
    from repair.detect import detect
    from repair.rewrite import propose
    from repair.rewrite.model import with_learned_patterns
    from repair.rewrite.propose import apply_fixed, fixed_table
    from repair.synth import SynthSettings, generate
    from repair.text import Segment

    settings = with_learned_patterns(settings)
    sents = corpus_sentences(Path(corpus), max_words=max_words, limit=n)
    pairs = list(generate(sents, SynthSettings(seed=seed, rate=rate, substitute_names=False)))
    segs = [Segment(str(i), "synthetic", p.corrupted, 0, len(p.corrupted), i)
            for i, p in enumerate(pairs)]
    model = Path(settings.rewrite.model).name if settings.rewrite.model else "alias-v1"
    rep = SyntheticReport(
        signature=f"rewriter={model}|synth_seed={seed}|rate={rate}|n={len(pairs)}"
        f"|corpus={Path(corpus).name}|aliases={aliases.digest}"
        f"|calques={Path(settings.rewrite.calques).name if settings.rewrite.calques else None}"
        f"|lexicon={Path(settings.rewrite.lexicon).name if settings.rewrite.lexicon else None}"
    )
    proposals = list(propose(detect(segs, settings.detect, aliases), settings.rewrite, aliases))
    bad = [i for i, p in enumerate(pairs) if p.spans]
    good = [i for i, p in enumerate(pairs) if not p.spans]
    rep.n_corrupted, rep.n_clean = len(bad), len(good)
    refs = [pairs[i].clean for i in bad]
    fixed = fixed_table(settings.rewrite, aliases)
    rep.chrf_nothing = chrf([pairs[i].corrupted for i in bad], refs)
    rep.chrf_alias = chrf([canonicalize(pairs[i].corrupted, aliases)[0] for i in bad], refs)
    rep.chrf_fixed = chrf([apply_fixed(pairs[i].corrupted, fixed, settings.rewrite.dates)[0]
                           for i in bad], refs)
    rep.chrf_pipeline = chrf([proposals[i].text for i in bad], refs)
    if bad:
        rep.exact_pipeline = sum(proposals[i].text == pairs[i].clean for i in bad) / len(bad)
        rep.flagged_corrupted = sum(proposals[i].detection.flagged for i in bad) / len(bad)
    if good:
        rep.clean_unchanged_pipeline = sum(proposals[i].text == pairs[i].clean
                                           for i in good) / len(good)
    flagged = [p for p in proposals if p.detection.flagged]
    rep.sources = Counter(p.source for p in flagged)
    rep.checks = Counter(e.check for p in flagged for e in p.spans if e.check)
    rep.examples = [(pairs[i].corrupted, proposals[i].text, pairs[i].clean) for i in bad[:8]]
    if settings.rewrite.model:
        from repair.rewrite.model import load_rewriter

        rw = load_rewriter(str(settings.rewrite.model))
        examples = heldout_spans(rw, n, seed, settings, aliases)
        rep.spans = span_scores(rw, examples, settings.rewrite.keep_margin)
    return rep


def heldout_spans(rw: SpanRewriter, n: int, seed: int, settings: RunSettings,
                  aliases: AliasTable, skip: int = 0) -> list[SpanExample]:
    """``n`` span examples from dev articles, windows cut as the model was trained."""
    from repair.train.rewriter import RewriterTrainSettings, heldout_examples

    st = RewriterTrainSettings(dev_corpus=str(settings.eval.clean),
                               context_words=rw.context_words)
    return heldout_examples(st, n, seed, settings.detect, aliases, skip)


def write_calibration(model_dir: str | Path, settings: RunSettings, aliases: AliasTable,
                      n: int = 1500, target_keep: float = 0.98) -> dict:
    """Calibrate the keep margin of the model in ``model_dir`` on dev spans the evaluation
    does not use, and record it in ``rewriter.json`` beside the model."""
    import json

    from repair.rewrite.model import SpanRewriter

    rw = SpanRewriter(model_dir)
    examples = heldout_spans(rw, n, CALIBRATION_SEED, settings, aliases, skip=CALIBRATION_SKIP)
    margin = calibrate_margin(rw, examples, target_keep)
    scores = span_scores(rw, examples, margin)
    meta = {"keep_margin": margin, "context_words": rw.context_words,
            "calibration": {"target_keep": target_keep, "spans": n, "seed": CALIBRATION_SEED,
                            "keep": round(scores["keep"], 4), "exact": round(scores["exact"], 4),
                            "corpus": Path(str(settings.eval.clean)).name,
                            "sentences_after": CALIBRATION_SKIP}}
    Path(model_dir, "rewriter.json").write_text(json.dumps(meta, indent=1) + "\n",
                                                encoding="utf-8")
    return meta

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

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import canonicalize
from repair.metrics import chrf
from repair.pipeline import Pipeline
from repair.rewrite.propose import apply_fixed, fixed_table
from repair.synth import SynthSettings, generate
from repair.text import Segment, corpus_sentences

__all__ = ["SyntheticReport", "evaluate_synthetic", "EVAL_SEED"]

EVAL_SEED = 20_261_125  # held-out synthetic sentences and spans; calibration uses another


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
    pipeline: Pipeline,
    *,
    seed: int = EVAL_SEED,
    rate: float = 0.5,
    max_words: int = 40,
) -> SyntheticReport:
    """Measure the pipeline's proposals on ``n`` held-out synthetic sentences of ``corpus``
    and, with a rewriter, the rewriter alone on ``n`` held-out spans of it."""
    settings, aliases = pipeline.settings, pipeline.aliases
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
    proposals = pipeline.process(segs)
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
        from repair.rewrite.calibrate import heldout_spans, span_scores
        from repair.rewrite.model import load_rewriter

        rw = load_rewriter(str(settings.rewrite.model))
        examples = heldout_spans(rw, n, seed, corpus, settings.detect, aliases)
        rep.spans = span_scores(rw, examples, settings.rewrite.keep_margin)
    return rep



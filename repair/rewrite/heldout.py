"""Rewriter evaluation on a held-out synthetic set and chrF++ against references.

The synthetic set is built from clean sentences never used in training (the dev corpus) with
:func:`repair.synth.generate` under a seed of its own. Proposals are scored against the clean
sentences with chrF++ (sacrebleu ``CHRF(word_order=2)``) next to two baselines: doing nothing
and alias canonicalisation only. Two conditions: the pipeline as configured (only sentences
the detector flags reach the rewriter) and oracle detection (every corrupted sentence is
flagged, with the generator's spans), which measures the rewriter alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from repair.aliases import AliasTable, canonicalize
from repair.text import corpus_sentences

if TYPE_CHECKING:
    from repair.config import Settings

__all__ = ["chrf", "SyntheticReport", "evaluate_synthetic"]


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF++ (character n-grams plus word bigrams), 0..100."""
    from sacrebleu.metrics import CHRF

    if not hypotheses:
        return float("nan")
    return CHRF(word_order=2).corpus_score(list(hypotheses), [list(references)]).score


@dataclass
class SyntheticReport:
    signature: str
    n_corrupted: int = 0
    n_clean: int = 0
    chrf_nothing: float = float("nan")
    chrf_alias: float = float("nan")
    chrf_pipeline: float = float("nan")
    chrf_oracle: float = float("nan")
    exact_pipeline: float = float("nan")  # share of corrupted sentences repaired exactly
    exact_oracle: float = float("nan")
    clean_unchanged_pipeline: float = float("nan")
    clean_unchanged_oracle: float = float("nan")  # clean inputs given to the model anyway
    flagged_corrupted: float = float("nan")
    sources: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (input, output, clean)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("sentences (corrupted / clean)", f"{self.n_corrupted} / {self.n_clean}"),
            ("chrF++ do-nothing (corrupted)", f"{self.chrf_nothing:.2f}"),
            ("chrF++ alias-only (corrupted)", f"{self.chrf_alias:.2f}"),
            ("chrF++ pipeline (detector -> rewriter)", f"{self.chrf_pipeline:.2f}"),
            ("chrF++ rewriter, oracle detection", f"{self.chrf_oracle:.2f}"),
            ("exact fix, pipeline", f"{self.exact_pipeline:.3f}"),
            ("exact fix, oracle detection", f"{self.exact_oracle:.3f}"),
            ("clean unchanged, pipeline", f"{self.clean_unchanged_pipeline:.3f}"),
            ("clean unchanged, all given to the model", f"{self.clean_unchanged_oracle:.3f}"),
            ("corrupted sentences flagged", f"{self.flagged_corrupted:.3f}"),
            ("proposal sources (oracle)", ", ".join(f"{k} {v}" for k, v in
                                                   self.sources.most_common())),
            ("rewrites not used (oracle)", ", ".join(f"{k} {v}" for k, v in
                                                    self.checks.most_common()) or "none"),
        ]


def _dev_sentences(path: Path, n: int, max_words: int) -> list[str]:
    return corpus_sentences(path, max_words=max_words, limit=n)


def evaluate_synthetic(
    corpus: str | Path,
    n: int,
    settings: Settings,
    aliases: AliasTable,
    *,
    seed: int = 20_261_125,
    rate: float = 0.5,
    max_words: int = 40,
) -> SyntheticReport:
    """Measure proposals on ``n`` held-out synthetic pairs (corrupted and untouched)."""
    from repair.detect import Detection, Span, detect
    from repair.rewrite import propose
    from repair.synth import SynthSettings, generate
    from repair.text import Segment

    sents = _dev_sentences(Path(corpus), n, max_words)
    pairs = list(generate(sents, SynthSettings(seed=seed, rate=rate, substitute_names=False)))
    segs = [Segment(str(i), "synthetic", p.corrupted, 0, len(p.corrupted), i)
            for i, p in enumerate(pairs)]
    model = Path(settings.rewrite.model).name if settings.rewrite.model else "alias-v1"
    rep = SyntheticReport(
        signature=f"rewriter={model}|decoding={settings.rewrite.decoding}|synth_seed={seed}"
        f"|rate={rate}|n={len(pairs)}|corpus={Path(corpus).name}|aliases={aliases.digest}"
    )
    pipeline = list(propose(detect(segs, settings.detect, aliases), settings.rewrite, aliases))
    oracle_dets = [
        Detection(seg, 1.0, True, tuple(Span(s.start, s.end, s.category, s.text, 1.0)
                                        for s in p.spans)
                  or (Span(0, len(seg.text), "none", seg.text, 1.0),))  # all of a clean one
        for seg, p in zip(segs, pairs, strict=True)
    ]
    oracle = list(propose(oracle_dets, settings.rewrite, aliases))
    bad = [i for i, p in enumerate(pairs) if p.spans]
    good = [i for i, p in enumerate(pairs) if not p.spans]
    rep.n_corrupted, rep.n_clean = len(bad), len(good)
    refs = [pairs[i].clean for i in bad]
    rep.chrf_nothing = chrf([pairs[i].corrupted for i in bad], refs)
    rep.chrf_alias = chrf([canonicalize(pairs[i].corrupted, aliases)[0] for i in bad], refs)
    rep.chrf_pipeline = chrf([pipeline[i].text for i in bad], refs)
    rep.chrf_oracle = chrf([oracle[i].text for i in bad], refs)
    if bad:
        rep.exact_pipeline = sum(pipeline[i].text == pairs[i].clean for i in bad) / len(bad)
        rep.exact_oracle = sum(oracle[i].text == pairs[i].clean for i in bad) / len(bad)
        rep.flagged_corrupted = sum(pipeline[i].detection.flagged for i in bad) / len(bad)
    if good:
        rep.clean_unchanged_pipeline = sum(pipeline[i].text == pairs[i].clean
                                           for i in good) / len(good)
        rep.clean_unchanged_oracle = sum(oracle[i].text == pairs[i].clean
                                         for i in good) / len(good)
    rep.sources = Counter(p.source for p in oracle)
    rep.checks = Counter(p.check.split(":")[0] for p in oracle if p.check)
    rep.examples = [(pairs[i].corrupted, oracle[i].text, pairs[i].clean) for i in bad[:8]]
    return rep

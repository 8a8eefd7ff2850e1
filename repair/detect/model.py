"""The trained detector: gradient-boosted token classifiers over ``features.featurize``.

A binary model gives each token the probability that it is part of an artifact; a segment's
model score is the calibrated probability that its most suspicious token is one. Strong rule
evidence the model never sees in training (alias-table variants, the known-calque list) is
combined with it by noisy-or. Spans are the runs of tokens above ``span_threshold``, labelled
by a second model with their most likely category (the synthetic families of ``repair.synth``),
plus the rules' spans. The name rules (``repair.detect.names``) count as strong evidence too,
and tokens of a name they confirm as correctly written are no artifact for the model.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repair.detect.base import Detection, DetectSettings, Span
from repair.detect.features import FEATURE_NAMES, LexStats, TokenTable, featurize_batch
from repair.detect.rules import RuleDetector
from repair.errors import ModelError
from repair.text import Segment
from repair.text.timing import timed, timed_call

__all__ = ["TrainedDetector", "load_detector", "MODEL_FILES"]

MODEL_FILES = ("config.json", "model.txt", "categories.txt", "unigrams.tsv.gz", "bigrams.npz")
# Rule categories the synthetic training data cannot teach the model: strong evidence the
# model's score is combined with (the name rules: repair.detect.names).
_PRIOR_CATEGORIES = {"alias", "calque", "name"}
_BATCH = 256


@dataclass
class TrainedDetector:
    booster: object  # lightgbm.Booster, binary: token is part of an artifact
    categories: object  # lightgbm.Booster, multiclass over classes[1:]
    classes: list[str]  # class names, classes[0] == "O"
    stats: LexStats
    calibration: tuple[float, float]  # Platt scaling a, b of logit(max token probability)
    version: str
    threshold: float = 0.5  # recommended operating point from training
    threads: int = 1  # LightGBM prediction threads: one, since batch jobs may run side by side

    def token_probs(self, tables: list[TokenTable]) -> list[np.ndarray]:
        """Artifact probability of every token, per table."""
        rows = [t.features for t in tables if len(t.words)]
        if not rows:
            return [np.zeros(0) for _ in tables]
        probs = self.booster.predict(np.vstack(rows), num_threads=self.threads)  # type: ignore[attr-defined]
        out, pos = [], 0
        for t in tables:
            out.append(probs[pos : pos + len(t.words)])
            pos += len(t.words)
        return out

    def sentence_score(self, p_art: np.ndarray) -> float:
        if len(p_art) == 0:
            return 0.0
        p = float(np.clip(p_art.max(), 1e-6, 1 - 1e-6))
        a, b = self.calibration
        z = a * math.log(p / (1 - p)) + b
        return 0.5 * (1.0 + math.tanh(0.5 * z))

    def spans(
        self, text: str, table: TokenTable, p_art: np.ndarray, threshold: float
    ) -> list[Span]:
        """Runs of tokens at or above ``threshold``, labelled with their likeliest category."""
        runs = _runs(p_art, threshold)
        return self._labelled([(text, table, p_art, runs)])[0]

    def _labelled(
        self, items: list[tuple[str, TokenTable, np.ndarray, list[tuple[int, int]]]]
    ) -> list[list[Span]]:
        """Spans of the runs of many texts, labelled by one prediction of the category model
        over all their tokens (each row's prediction does not depend on the others)."""
        blocks = [table.features[i : j + 1] for _, table, _, runs in items for i, j in runs]
        if not blocks:
            return [[] for _ in items]
        cat = self.categories.predict(np.vstack(blocks), num_threads=self.threads)  # type: ignore[attr-defined]
        result, pos = [], 0
        for text, table, p_art, runs in items:
            out = []
            for i, j in runs:
                k = j - i + 1
                category = self.classes[1 + int(cat[pos : pos + k].sum(axis=0).argmax())]
                pos += k
                s, e = table.starts[i], table.ends[j]
                out.append(Span(s, e, category, text[s:e], float(p_art[i : j + 1].max())))
            result.append(out)
        return result

    def detect(
        self, segments: Iterable[Segment], rules: RuleDetector, settings: DetectSettings,
        threshold: float,
    ) -> Iterator[Detection]:
        """Score segments in batches; see the module docstring."""
        batch: list[Segment] = []
        for seg in segments:
            batch.append(seg)
            if len(batch) >= _BATCH:
                yield from self._detect_batch(batch, rules, settings, threshold)
                batch = []
        if batch:
            yield from self._detect_batch(batch, rules, settings, threshold)

    def _detect_batch(
        self, segs: list[Segment], rules: RuleDetector, settings: DetectSettings, threshold: float
    ) -> Iterator[Detection]:
        layer = None
        if settings.layer:
            from repair.detect.layer import load_layer

            layer = load_layer(str(settings.layer))
        with timed("detect: rules"):
            all_rule_spans = [rules.spans(s.text) for s in segs]
        # the model was trained on the lexical rules' spans; evidence rules speak for themselves
        with timed("detect: features"):
            tables = featurize_batch([s.text for s in segs], self.stats, rules,
                                     [[r for r in rs if not r.evidence] for rs in all_rule_spans])
        with timed("detect: model"):
            probs = self.token_probs(tables)
        scored = []
        for seg, table, p_art, rule_spans in zip(
            segs, tables, probs, all_rule_spans, strict=True
        ):
            p_art = _clear_verified_names(seg.text, table, p_art, rules)
            prior = rules.score(
                s for s in rule_spans if s.category in _PRIOR_CATEGORIES or s.evidence
            )
            model_score = self.sentence_score(p_art)
            runs = _runs(p_art, settings.span_threshold)
            if model_score >= threshold and not runs and len(p_art):
                # a flag is always explained: at least the most suspicious token
                runs = _runs(p_art, float(p_art.max()))
            scored.append((seg.text, table, p_art, runs, model_score, prior))
        all_model_spans = self._labelled([item[:4] for item in scored])
        for seg, rule_spans, (_, table, p_art, _, model_score, prior), model_spans in zip(
            segs, all_rule_spans, scored, all_model_spans, strict=True
        ):
            score = 1.0 - (1.0 - model_score) * (1.0 - prior)
            # an evidence rule that says what the words are (pinyin, a calqued name, not just
            # "a wrong name") replaces the model's spans over them
            strong = [(s.start, s.end) for s in rule_spans if s.evidence and s.category != "name"]
            merged = {
                (s.start, s.end, s.category): s for s in model_spans
                if not any(a < s.end and s.start < b for a, b in strong)
            }
            for s in rule_spans:
                if s.weight >= 0.5:  # weak rule hints (a foreign name) explain nothing alone
                    merged.setdefault((s.start, s.end, s.category), s)
            flagged = score >= threshold
            if layer is not None:  # what reviewers taught (repair.detect.layer) flags too
                right = rules.correct_ranges(seg.text)  # ... but not what they agreed is right
                for s in layer.spans(seg.text, table, layer.token_probs(table, p_art)):
                    if any(a <= s.start and s.end <= b for a, b in right):
                        continue
                    merged.setdefault((s.start, s.end, s.category), s)
                    score, flagged = max(score, s.weight), True
            spans = sorted(merged.values(), key=lambda s: (s.start, -s.end))
            yield Detection(seg, score, flagged, tuple(spans))


def _runs(p_art: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """First and last index of each run of tokens at or above ``threshold``."""
    runs: list[tuple[int, int]] = []
    p = p_art.tolist()  # Python floats: the same comparisons, without a NumPy scalar each
    i, n = 0, len(p)
    while i < n:
        if p[i] < threshold:
            i += 1
            continue
        j = i
        while j + 1 < n and p[j + 1] >= threshold:
            j += 1
        runs.append((i, j))
        i = j + 1
    return runs


def _clear_verified_names(
    text: str, table: TokenTable, p_art: np.ndarray, rules: RuleDetector
) -> np.ndarray:
    """A name the name statistics confirm as correctly written ("Itsunori Onodera") is no
    artifact, whatever the model's lexical features say of its rare words."""
    if rules.names is None or not len(p_art):
        return p_art
    names = rules.names.verified_names(text)
    if not names:
        return p_art
    p = p_art.copy()
    for i, (s, e) in enumerate(zip(table.starts, table.ends, strict=True)):
        if any(a <= s and e <= b for a, b in names):
            p[i] = 0.0
    return p


# lightgbm's optional bridges (DataFrames, Arrow tables, scikit-learn estimators): the detector
# predicts on NumPy arrays, and importing them cost 0.4 s and 60 MB of a one-sentence job
_OPTIONAL_BRIDGES = ("pandas", "pyarrow", "sklearn", "dask", "matplotlib",
                     "graphviz")


def _import_lightgbm():
    """``lightgbm``, imported without the optional bridges when it is imported first here
    (a process that already imported them, or lightgbm, is left as it is)."""
    import sys

    if "lightgbm" in sys.modules:
        return sys.modules["lightgbm"]
    blocked = [m for m in _OPTIONAL_BRIDGES if m not in sys.modules]
    for m in blocked:
        sys.modules[m] = None  # type: ignore[assignment]  (import raises ImportError)
    try:
        with timed("import: lightgbm"):
            import lightgbm
    finally:
        for m in blocked:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return lightgbm


@functools.lru_cache(maxsize=4)
@timed_call("load: detector")
def load_detector(directory: str | Path) -> TrainedDetector:
    """Load a trained detector directory (as written by ``repair train detector``)."""
    lightgbm = _import_lightgbm()

    d = Path(directory)
    missing = [f for f in MODEL_FILES if not (d / f).exists()]
    if missing:
        raise ModelError(
            f"not a detector model directory (missing {', '.join(missing)}); train one with "
            "'repair train detector' or set detect.model: null for the rules",
            d,
        )
    config = json.loads((d / "config.json").read_text(encoding="utf-8"))
    if config.get("feature_names") != FEATURE_NAMES:
        raise ModelError("model was trained with other features; retrain it", d / "config.json")
    return TrainedDetector(
        booster=lightgbm.Booster(model_file=str(d / "model.txt")),
        categories=lightgbm.Booster(model_file=str(d / "categories.txt")),
        classes=config["classes"],
        stats=LexStats.load(d),
        calibration=tuple(config["calibration"]),  # type: ignore[arg-type]
        version=config.get("version", d.name),
        # the operating point chosen on clean news with the evidence rules, where the model
        # has one; else the one chosen on its synthetic validation articles
        threshold=float(config.get("operating_threshold") or config.get("metrics", {}).get(
            "recommended_threshold", 0.5)),
    )

"""A learned detection layer over the trained detector, from reviewers' decisions.

Literal phrases (``patterns.tsv``) catch an edit only where its words recur. An edit that
moves a title after a name before it, or fixes the same construction with other names each
time, needs the pattern, not the string. This layer is a small gradient-boosted token
classifier trained on reviewed sentences: words inside a reviewer's edit are positive;
unchanged words of reviewed sentences, every word of the reviewers' final texts (correctly
written sentences of the same construction) and the words of clean corpus sentences are
negative. Its features generalise past literal names:

- the trained detector's own token features (word shape, capitalisation, the name run,
  frequencies: :mod:`repair.detect.features`) and its token probability;
- how often each frequent word was inside an edit in the reviewed sentences (its *edit
  rate*; names are too rare to have one), for the word and its neighbours, and the highest
  edit rate before and after the word within its capitalised run and within three words,
  which is where a word stands relative to the title words an edit moves.

The layer's threshold keeps at most ``max_clean_flag`` of held-out clean sentences flagged.
It is saved inside the fine-tuned model directory (``detector_layer/``) with its lineage
(the detector it sits on, the reviewed data's digest, its figures), and ``repair run
--rewriter NEW`` uses it through ``detect.layer`` (set by
:func:`repair.pipeline.Pipeline.from_settings`). Tokens it marks are spans of category
``learned``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from repair.detect.base import Span
from repair.detect.features import FEATURE_NAMES, TokenTable
from repair.errors import ModelError

__all__ = ["LayerSettings", "DetectorLayer", "layer_features", "edit_rates", "train_layer",
           "load_layer", "LAYER_FEATURES", "LAYER_CATEGORY"]

log = logging.getLogger(__name__)

LAYER_CATEGORY = "learned"
_EXTRA = ["base_p", "rate", "rate_prev", "rate_next", "rate_prev2", "rate_next2",
          "run_rate_before", "run_rate_after", "near_rate_before", "near_rate_after",
          "run_index", "run_left"]
LAYER_FEATURES = [*FEATURE_NAMES, *_EXTRA]
_NEAR = 3


@dataclass(frozen=True)
class LayerSettings:
    min_word_count: int = 3  # reviewed occurrences before a word has an edit rate
    clean_sentences: int = 4000  # clean corpus sentences: half negatives, half threshold
    rounds: int = 150
    num_leaves: int = 15
    learning_rate: float = 0.1
    min_data_in_leaf: int = 20
    lambda_l2: float = 5.0
    max_clean_flag: float = 0.005  # share of held-out clean sentences the layer may flag
    min_threshold: float = 0.5
    min_positive_sentences: int = 5  # fewer reviewed edits: no layer


@dataclass
class DetectorLayer:
    booster: object  # lightgbm.Booster
    rates: dict[str, float]
    threshold: float
    info: dict = field(default_factory=dict)  # lineage and figures (config.json)

    def token_probs(self, table: TokenTable, p_art: np.ndarray) -> np.ndarray:
        if not len(table.words):
            return np.zeros(0)
        X = layer_features(table, p_art, self.rates)
        return np.asarray(self.booster.predict(X, num_threads=1))  # type: ignore[attr-defined]

    def spans(self, text: str, table: TokenTable, q: np.ndarray) -> list[Span]:
        """Runs of tokens at or above the threshold, as ``learned`` spans."""
        out, i, n = [], 0, len(q)
        while i < n:
            if q[i] < self.threshold:
                i += 1
                continue
            j = i
            while j + 1 < n and q[j + 1] >= self.threshold:
                j += 1
            s, e = table.starts[i], table.ends[j]
            out.append(Span(s, e, LAYER_CATEGORY, text[s:e], float(q[i : j + 1].max()),
                            evidence=f"learned layer: {float(q[i : j + 1].max()):.2f} "
                                     f">= {self.threshold:.2f}"))
            i = j + 1
        return out

    def save(self, directory: str | Path) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(d / "model.txt"))  # type: ignore[attr-defined]
        (d / "rates.json").write_text(json.dumps(self.rates, ensure_ascii=False, indent=0),
                                      encoding="utf-8")
        (d / "config.json").write_text(json.dumps(
            {**self.info, "features": LAYER_FEATURES, "threshold": self.threshold},
            ensure_ascii=False, indent=1), encoding="utf-8")
        return d


def _cap_runs(words: Sequence[str]) -> list[int]:
    """Run id of each token (-1 outside a run of capitalised words)."""
    out, run, prev = [], -1, False
    for w in words:
        cap = w[:1].isupper()
        if cap and not prev:
            run += 1
        out.append(run if cap else -1)
        prev = cap
    return out


def layer_features(table: TokenTable, p_art: np.ndarray, rates: dict[str, float]) -> np.ndarray:
    """The layer's feature rows: the detector's features, its probability, edit rates."""
    words = table.words
    n = len(words)
    r = np.array([rates.get(w.lower(), -1.0) for w in words], dtype=np.float32)
    extra = np.full((n, len(_EXTRA)), -1.0, dtype=np.float32)
    extra[:, 0] = p_art
    extra[:, 1] = r
    extra[1:, 2], extra[:-1, 3] = r[:-1], r[1:]
    extra[2:, 4], extra[:-2, 5] = r[:-2], r[2:]
    runs = _cap_runs(words)
    for i in range(n):
        if runs[i] >= 0:
            idx = [k for k in range(n) if runs[k] == runs[i]]
            before = [r[k] for k in idx if k < i]
            after = [r[k] for k in idx if k > i]
            extra[i, 6] = max(before, default=-1.0)
            extra[i, 7] = max(after, default=-1.0)
            extra[i, 10] = i - idx[0]
            extra[i, 11] = idx[-1] - i
        extra[i, 8] = max(r[max(0, i - _NEAR) : i], default=-1.0)
        extra[i, 9] = max(r[i + 1 : i + 1 + _NEAR], default=-1.0)
    return np.hstack([table.features, extra])


def edit_rates(tables: Sequence[TokenTable], labels: Sequence[np.ndarray], min_count: int,
               stats=None, min_lower_share: float = 0.2) -> dict[str, float]:
    """Lower-cased word -> share of its occurrences in reviewed machine text inside an edit.
    Words seen fewer than ``min_count`` times have none, and neither have names: words that
    clean text (``stats``, the detector's counts) writes in lowercase less than
    ``min_lower_share`` of the time, so the layer learns where a name stands, not which."""
    seen: Counter = Counter()
    inside: Counter = Counter()
    for t, y in zip(tables, labels, strict=True):
        for w, lab in zip(t.words, y, strict=True):
            seen[w.lower()] += 1
            inside[w.lower()] += int(lab)

    def ordinary(w: str) -> bool:
        if stats is None:
            return True
        total = stats.lower.get(w, 0)
        return total > 0 and stats.unigrams.get(w, 0) >= min_lower_share * total

    return {w: round(inside[w] / (n + 1), 4) for w, n in seen.items()
            if n >= min_count and ordinary(w)}


def _labels(table: TokenTable, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    return np.array([any(a < e and s < b for a, b in ranges)
                     for s, e in zip(table.starts, table.ends, strict=True)], dtype=np.int32)


def train_layer(machine: Sequence[str], edited: Sequence[Sequence[tuple[int, int]]],
                correct: Sequence[str], clean: Sequence[str], detector, rules,
                settings: LayerSettings = LayerSettings(), info: dict | None = None,
                ) -> DetectorLayer | None:
    """A layer from reviewed ``machine`` texts with their ``edited`` character ranges,
    ``correct`` texts (reviewers' final texts: all negative) and ``clean`` corpus sentences
    (half negatives, half to set the threshold); None with too few edits to learn from."""
    import lightgbm

    from repair.detect.features import featurize

    if sum(1 for r in edited if r) < settings.min_positive_sentences:
        return None

    def tables(texts: Sequence[str]) -> tuple[list[TokenTable], list[np.ndarray]]:
        ts = [featurize(t, detector.stats, rules) for t in texts]
        return ts, detector.token_probs(ts)

    mt, mp = tables(machine)
    ys = [_labels(t, r) for t, r in zip(mt, edited, strict=True)]
    rates = edit_rates(mt, ys, settings.min_word_count, detector.stats)
    half = len(clean) // 2
    ct, cp = tables([*correct, *clean[:half]])
    X = [layer_features(t, p, rates) for t, p in zip(mt + ct, mp + cp, strict=True) if len(t.words)]
    y = [*ys, *[np.zeros(len(t.words), dtype=np.int32) for t in ct]]
    y = [v for v, t in zip(y, mt + ct, strict=True) if len(t.words)]
    Xa, ya = np.vstack(X), np.concatenate(y)
    # a few hundred positive tokens are easily separated: without the L2 penalty and the
    # step cap, leaf values run away and unseen clean words score 1.0
    params = {"objective": "binary", "learning_rate": settings.learning_rate,
              "num_leaves": settings.num_leaves, "min_data_in_leaf": settings.min_data_in_leaf,
              "lambda_l2": settings.lambda_l2, "max_delta_step": 1.0,
              "min_sum_hessian_in_leaf": 1.0, "verbose": -1, "num_threads": 1, "seed": 0,
              "deterministic": True}
    booster = lightgbm.train(params, lightgbm.Dataset(Xa, ya, feature_name=LAYER_FEATURES),
                             num_boost_round=settings.rounds)
    layer = DetectorLayer(booster, rates, settings.min_threshold)
    ht, hp = tables(clean[half:])
    tops = sorted(float(layer.token_probs(t, p).max()) if len(t.words) else 0.0
                  for t, p in zip(ht, hp, strict=True))
    if tops:
        k = max(0, int(len(tops) * (1 - settings.max_clean_flag)) - 1)
        layer.threshold = round(max(settings.min_threshold, tops[k] + 1e-4), 4)
    hits = sum(bool(any(layer.token_probs(t, p)[y_ > 0] >= layer.threshold))
               for t, p, y_ in zip(mt, mp, ys, strict=True) if y_.any())
    layer.info = {**(info or {}), "threshold": layer.threshold, "settings": asdict(settings),
                  "positive_tokens": int(ya.sum()), "negative_tokens": int(len(ya) - ya.sum()),
                  "reviewed_sentences": len(machine), "clean_negatives": half,
                  "clean_heldout": len(tops),
                  "clean_heldout_flagged": sum(t >= layer.threshold for t in tops),
                  "edited_sentences_caught": hits,
                  "edited_sentences": sum(1 for v in ys if v.any())}
    log.info("learned detection layer: threshold %.3f, %d/%d edited sentences caught, "
             "%d/%d held-out clean flagged", layer.threshold, hits,
             layer.info["edited_sentences"], layer.info["clean_heldout_flagged"], len(tops))
    return layer


@functools.lru_cache(maxsize=4)
def load_layer(directory: str) -> DetectorLayer:
    """The layer saved in ``directory`` (a fine-tuned model's ``detector_layer/``)."""
    import lightgbm

    d = Path(directory)
    if not (d / "config.json").exists() or not (d / "model.txt").exists():
        raise ModelError("not a detector layer (needs config.json and model.txt); it is written "
                         "by `repair finetune` inside the new model directory", d)
    config = json.loads((d / "config.json").read_text(encoding="utf-8"))
    if config.get("features") != LAYER_FEATURES:
        raise ModelError("layer was trained with other features; re-run `repair finetune`", d)
    rates = json.loads((d / "rates.json").read_text(encoding="utf-8"))
    info = {k: v for k, v in config.items() if k not in ("features", "threshold")}
    return DetectorLayer(lightgbm.Booster(model_file=str(d / "model.txt")), rates,
                         float(config["threshold"]), info)

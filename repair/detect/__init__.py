"""Detector stage: score each segment for machine-translation artifacts, with explaining spans.

Without a model (``detect.model: null``) the detector is the transparent rules of
``repair.detect.rules``. With a trained model directory it is a token classifier over lexical
features (``repair.detect.model``), whose spans and the rules' spans together explain the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from repair.aliases import AliasTable
from repair.detect.base import CATEGORIES, DEFAULT_WEIGHTS, Detection, DetectSettings, Span
from repair.detect.rules import RuleDetector
from repair.names import NamesSettings
from repair.text import Segment

__all__ = [
    "CATEGORIES",
    "DEFAULT_WEIGHTS",
    "DetectSettings",
    "Span",
    "Detection",
    "RuleDetector",
    "detect",
    "effective_threshold",
]

RULES_THRESHOLD = 0.5


def effective_threshold(settings: DetectSettings) -> float:
    """The threshold in force: the configured one, else the model's recommended one."""
    if settings.threshold is not None:
        return settings.threshold
    if settings.model:
        from repair.detect.model import load_detector

        return load_detector(settings.model).threshold
    return RULES_THRESHOLD


def detect(
    segments: Iterable[Segment], settings: DetectSettings, aliases: AliasTable,
    names: NamesSettings | None = None,
) -> Iterator[Detection]:
    """Score each segment (0..1, higher = more likely an MT artifact) with explaining spans;
    ``names``: the name tables the slot rules read (the pipeline passes its own)."""
    rules = RuleDetector(settings, aliases, names)
    threshold = effective_threshold(settings)
    if settings.model:
        from repair.detect.model import load_detector

        yield from load_detector(settings.model).detect(segments, rules, settings, threshold)
        return
    for seg in segments:
        spans = rules.spans(seg.text)
        score = rules.score(spans)
        yield Detection(seg, score, score >= threshold, tuple(spans))

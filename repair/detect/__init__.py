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
from repair.text import Segment

__all__ = [
    "CATEGORIES",
    "DEFAULT_WEIGHTS",
    "DetectSettings",
    "Span",
    "Detection",
    "RuleDetector",
    "detect",
]


def detect(
    segments: Iterable[Segment], settings: DetectSettings, aliases: AliasTable
) -> Iterator[Detection]:
    """Score each segment (0..1, higher = more likely an MT artifact) with explaining spans."""
    rules = RuleDetector(settings, aliases)
    if settings.model:
        from repair.detect.model import load_detector

        yield from load_detector(settings.model).detect(segments, rules, settings)
        return
    for seg in segments:
        spans = rules.spans(seg.text)
        score = rules.score(spans)
        yield Detection(seg, score, score >= settings.threshold, tuple(spans))

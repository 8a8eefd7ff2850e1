"""Detector settings and records, shared by the rules and the trained model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from repair.text import Segment

__all__ = ["CATEGORIES", "NAME_CATEGORIES", "DEFAULT_WEIGHTS", "DetectSettings", "Span",
           "Detection"]

# Span categories. The rules emit the first eight and "name" (repair.detect.names: evidence a
# name is wrong that needs no alias table); the trained model also the synthetic families (see
# repair.synth) it learned: calque_name, term.
CATEGORIES = (
    "alias",
    "date",
    "english",
    "english_name",
    "pinyin",
    "foreign",
    "duplicate",
    "calque",
    "grammar",
    "calque_name",
    "term",
    "name",
    "learned",  # the learned layer over the trained detector (repair.detect.layer)
)
# Categories of a span that may be a wrongly written name (the model calls "Duboji" pinyin or
# calque_name): the resolver proposes name candidates for them.
NAME_CATEGORIES = frozenset({"pinyin", "calque_name", "foreign", "english_name", "name"})

# Rule weights; a segment's rule score is the noisy-or of each category's strongest span.
DEFAULT_WEIGHTS = {
    "alias": 0.95,
    "date": 0.9,
    "duplicate": 0.85,
    "calque": 0.9,  # the curated known-calque list: strong evidence on its own
    "english": 0.7,  # lower-case English word in running Vietnamese text
    "english_name": 0.3,  # capitalised or rare English word: often a name or a loanword
    "pinyin": 0.45,  # pinyin is right for Chinese people, wrong for Vietnamese names
    "foreign": 0.3,
    "grammar": 0.6,
}


@dataclass(frozen=True)
class DetectSettings:
    # Flag at or above this score; None = the model's recommended operating point (chosen on
    # its validation articles), or 0.5 for the rules.
    threshold: float | None = None
    calques: str = "configs/calques.tsv"
    learned: tuple[str, ...] = ()  # more phrase lists (a fine-tuned model's patterns.tsv)
    # a learned layer over the trained detector (a fine-tuned model's detector_layer/,
    # repair.detect.layer): tokens it marks are flagged as "learned" spans
    layer: str | None = None
    # learned edit templates (a fine-tuned model's templates.json, repair.detect.templates):
    # their matches are flagged as "learned" spans, the template as evidence
    templates: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    model: str | None = None  # trained detector directory; None = rules only
    span_threshold: float = 0.5  # token probability above which the model marks a span
    # corpus statistics for the name rules (repair.detect.names), relative to the project root
    # like names.gazetteer; None = no name rules
    name_stats: str | None = "models/names/name_stats.tsv.gz"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str
    text: str
    weight: float = 0.0
    # name candidates (repair.names), best first: {"name", "score", "evidence", "rendering"}
    candidates: tuple[dict, ...] = ()
    evidence: str = ""  # why a rule marked it, in words (the name rules)

    def to_dict(self) -> dict:
        d = {"start": self.start, "end": self.end, "category": self.category, "text": self.text}
        if self.evidence:
            d["evidence"] = self.evidence
        if self.candidates:
            d["candidates"] = list(self.candidates)
        return d


@dataclass(frozen=True)
class Detection:
    segment: Segment
    score: float
    flagged: bool
    spans: tuple[Span, ...]

    def to_record(self) -> dict:
        """The output record of a ``detect`` job: the segment's own fields, then the score."""
        seg = self.segment
        return {**seg.fields, "id": seg.id, "doc_id": seg.doc_id, "text": seg.text,
                "score": round(self.score, 4), "flagged": self.flagged,
                "spans": [s.to_dict() for s in self.spans]}

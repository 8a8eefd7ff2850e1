"""The rewrite stage's settings and records: what a proposal is, before any model is loaded.

Like ``detect/base.py`` (and transformers' configuration modules), this holds no behaviour
beyond the records' own; the review stage and every front end import it without the rewriter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from repair.aliases import AliasMatch
from repair.detect.base import Detection

__all__ = ["ALIAS_MODEL", "SOURCES", "RewriteSettings", "SpanEdit", "Proposal", "edit_ratio"]

ALIAS_MODEL = "alias-v1"
# proposal sources ("name": a resolver's strong, unambiguous name candidate, low-confidence):
# "unchanged", "alias" (canonicalisation), "calque" (a known calque's
# suggestion), "rule" (an English date put in Vietnamese form), "model" (the rewriter changed a
# span), "fallback" (the repaired sentence broke an entity constraint: the deterministic
# proposal instead), "guard" (it was degenerate: the deterministic proposal instead),
# "template" (an edit template reviewers agreed on: repair.detect.templates)
SOURCES = ("unchanged", "alias", "calque", "rule", "lexicon", "name", "model", "fallback",
           "guard", "template")


@dataclass(frozen=True)
class RewriteSettings:
    model: str | None = None  # span rewriter directory; None = deterministic proposals only
    calques: str | None = "configs/calques.tsv"  # known calques proposed like alias rows
    # phrase lists learned from reviewers (a fine-tuned model's patterns.tsv): rows with a
    # suggestion are proposed like known calques, their counts as evidence
    learned: tuple[str, ...] = ()
    # edit templates learned from reviewers (a fine-tuned model's templates.json,
    # repair.detect.templates): the agreed ones are proposed like known calques, over slots
    templates: tuple[str, ...] = ()
    dates: bool = True  # English dates take their Vietnamese form ("June 5" -> "ngày 5/6")
    lexicon: str | None = None  # term lexicon: rare words in flagged spans get their usual form
    leftovers: bool = True  # rank after a name, doubled function word, closing "etc." (rules)
    # words clean news writes beside each calque suggestion (`repair train calque-contexts`):
    # with ``leftovers``, the evidence for dropping a preposition left after a replaced calque
    calque_contexts: str | None = "models/lexicon/calque_contexts.json.gz"
    max_edit_ratio: float = 0.5  # proposals that change more are marked low-confidence
    keep_margin: float | None = None  # nats a repair must beat keeping by (None = the model's)
    context_words: int | None = None  # window words each side (None = as the model was trained)
    batch_size: int | None = None  # spans per rewriter batch (None: the device's, 64 on a CPU)
    device: str = "cpu"  # where the rewriter runs: cpu, cuda or cuda:N (repair.rewrite.device)
    max_new_tokens: int = 32  # generation cap per span
    guard_max_edit_ratio: float = 0.5  # repaired sentences changing more than this are rejected
    guard_min_length_ratio: float = 0.6
    guard_max_length_ratio: float = 1.5


@dataclass(frozen=True)
class SpanEdit:
    start: int  # offsets in the segment text
    end: int
    category: str
    text: str
    repair: str  # equal to ``text`` when the span was kept
    check: str = ""  # why the model's repair was not used ("keep", "placeholders", a guard reason)


@dataclass(frozen=True)
class Proposal:
    detection: Detection
    text: str  # the proposed sentence; equal to the segment text where nothing should change
    source: str  # one of SOURCES, or "memory" (a reviewer's text: repair.rewrite.recall)
    model: str
    edit_ratio: float
    low_confidence: bool
    replacements: tuple[AliasMatch, ...] = ()
    check: str = ""  # why a model rewrite was not used: guard reason or "entities: ..."
    spans: tuple[SpanEdit, ...] = ()  # the spans the model was asked about

    @property
    def changed(self) -> bool:
        return self.text != self.detection.segment.text

    def to_record(self) -> dict:
        """The output record of a ``run`` job: the detection's, with the proposal."""
        rec = self.detection.to_record()
        rec.update(proposal=self.text, proposal_source=self.source, model=self.model,
                   edit_ratio=self.edit_ratio, low_confidence=self.low_confidence)
        if self.check:
            rec["check"] = self.check
        if self.replacements:  # the deterministic repairs, with their evidence
            rec["replacements"] = [dataclasses.asdict(m) for m in self.replacements]
        if self.spans:
            rec["span_repairs"] = [dataclasses.asdict(e) for e in self.spans]
        return rec


def edit_ratio(a: str, b: str) -> float:
    """Share of characters changed between ``a`` and ``b`` (0 = identical): characters inserted
    or deleted over both lengths, from their longest common subsequence."""
    if a == b:
        return 0.0
    # RapidFuzz's bit-parallel LCS: 0.8 µs a sentence pair where difflib's Ratcliff-Obershelp
    # took 470 µs (issue #26); it counts the true LCS, which difflib's greedy blocks only bound
    return round(Indel.normalized_distance(a, b), 4)

"""The pipeline, one object as spaCy's ``nlp`` is one: learned patterns -> detector -> name
candidates -> proposals. ``repair run`` and ``repair detect`` (local engine, its workers, the
Ray actors), ``repair eval``, ``repair bench``, ``finetune-demo`` and the names measure all call
:meth:`Pipeline.process`, so what is measured is what users run.

A pipeline pickles as its settings, alias table and memory (worker processes and Ray actors
receive it that way); models are loaded on first use, once per process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import AliasTable
from repair.detect import Detection, DetectSettings, detect
from repair.detect.base import NAME_CATEGORIES
from repair.detect.candidates import attach_candidates
from repair.detect.templates import TEMPLATES_FILE
from repair.names import NamesSettings, load_resolver
from repair.rewrite import Proposal, RewriteSettings, propose
from repair.rewrite.model import LAYER_DIR, PATTERNS_FILE
from repair.rewrite.recall import Recall
from repair.text import Segment
from repair.text.timing import timed

__all__ = ["PipelineSettings", "Pipeline", "with_model_directory"]


@dataclass(frozen=True)
class PipelineSettings:
    """What the pipeline reads of the settings (``repair.config.Settings`` is one)."""

    detect: DetectSettings = field(default_factory=DetectSettings)
    rewrite: RewriteSettings = field(default_factory=RewriteSettings)
    names: NamesSettings = field(default_factory=NamesSettings)


def with_model_directory(settings: PipelineSettings) -> PipelineSettings:
    """``settings`` whose detector also flags the phrases the rewriter in ``rewrite.model``
    learned from reviewers (its ``patterns.tsv``), whose proposals apply the learned phrases the
    reviewers agreed on like known calques, whose detector flags and whose proposals apply
    the edit templates it learned (``templates.json``: edits over name and number slots), and
    whose detector uses the learned layer the directory carries (``detector_layer/``): the
    directory brings detection with it."""
    if not settings.rewrite.model:
        return settings
    model = Path(settings.rewrite.model)
    f, layer, tpl = model / PATTERNS_FILE, model / LAYER_DIR, model / TEMPLATES_FILE
    detect_settings, rewrite_settings = settings.detect, settings.rewrite
    if f.exists() and str(f) not in detect_settings.learned:
        detect_settings = dataclasses.replace(detect_settings,
                                              learned=(*detect_settings.learned, str(f)))
    if f.exists() and str(f) not in rewrite_settings.learned:
        rewrite_settings = dataclasses.replace(rewrite_settings,
                                               learned=(*rewrite_settings.learned, str(f)))
    if tpl.exists() and str(tpl) not in rewrite_settings.templates:  # learned edit templates
        detect_settings = dataclasses.replace(detect_settings,
                                              templates=(*detect_settings.templates, str(tpl)))
        rewrite_settings = dataclasses.replace(rewrite_settings,
                                               templates=(*rewrite_settings.templates, str(tpl)))
    if (layer / "config.json").exists() and detect_settings.layer is None:
        detect_settings = dataclasses.replace(detect_settings, layer=str(layer))
    return dataclasses.replace(settings, detect=detect_settings, rewrite=rewrite_settings)


class Pipeline:
    """Detect (and, with ``proposals``, propose for) batches of segments."""

    def __init__(self, settings: PipelineSettings, aliases: AliasTable, *,
                 proposals: bool = True, memory: Recall | None = None):
        self.settings = settings
        self.aliases = aliases
        self.proposals = proposals
        self.memory = memory

    @classmethod
    def from_settings(cls, settings: PipelineSettings, aliases: AliasTable, *,
                      proposals: bool = True, memory: Recall | None = None) -> Pipeline:
        """The pipeline of ``settings`` (with the learned patterns its rewriter brings). A
        rewriter device other than the CPU is checked here, before any work (a named
        ``DeviceError`` where there is no GPU), though the model loads on first use."""
        if settings.rewrite.model and settings.rewrite.device != "cpu":
            from repair.rewrite.device import plan_device

            plan_device(settings.rewrite.device, numpy_model=False)
        return cls(with_model_directory(settings), aliases, proposals=proposals,
                   memory=memory)

    def detect(self, segments: Iterable[Segment]) -> list[Detection]:
        """Scores and spans, with name candidates on flagged name spans (never applied)."""
        with timed("stage: detect"):
            dets = list(detect(segments, self.settings.detect, self.aliases, self.settings.names))
        names = self.settings.names
        # the resolver's tables load when a flagged name span first needs them
        if names.candidates and any(d.flagged and any(s.category in NAME_CATEGORIES
                                                      for s in d.spans) for d in dets):
            with timed("stage: name candidates"):
                dets = list(attach_candidates(dets, load_resolver(names), names.top_k))
        return dets

    def propose(self, detections: Sequence[Detection], memory: Recall | None = None,
                ) -> list[Proposal]:
        """One proposal per detection (``memory``: past decisions, default the pipeline's)."""
        with timed("stage: propose"):
            return list(propose(detections, self.settings.rewrite, self.aliases,
                                memory if memory is not None else self.memory))

    def process(self, segments: Iterable[Segment], memory: Recall | None = None,
                ) -> list[Detection] | list[Proposal]:
        """Detections, or proposals when the pipeline proposes, in segment order."""
        dets = self.detect(segments)
        return self.propose(dets, memory) if self.proposals else dets

    def __getstate__(self) -> dict:
        return {"settings": self.settings, "aliases": self.aliases,
                "proposals": self.proposals, "memory": self.memory}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["settings"], state["aliases"], proposals=state["proposals"],
                      memory=state["memory"])

"""What the evaluation stage is configured by, and what it reads of the run settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from repair import SHARED

if TYPE_CHECKING:
    from repair.detect import DetectSettings
    from repair.names import NamesSettings
    from repair.review import QueueSettings
    from repair.rewrite import RewriteSettings

__all__ = ["EvalSettings", "RunSettings"]


@dataclass(frozen=True)
class EvalSettings:
    # Held-out clean sentences (never used in training) for the false-positive rate.
    clean: str | None = f"{SHARED}/corpus/dev.jsonl.gz"
    clean_n: int = 5000
    gold: str | None = f"{SHARED}/seed_dev.jsonl"  # the default labelled file


class RunSettings(Protocol):
    """The run settings (``repair.config.Settings``) as the stages that measure whole runs see
    them: the config sits above the stages, so they name its shape, not the class."""

    @property
    def aliases(self) -> tuple[str, ...]: ...

    @property
    def unit(self) -> str: ...

    @property
    def detect(self) -> DetectSettings: ...

    @property
    def rewrite(self) -> RewriteSettings: ...

    @property
    def queue(self) -> QueueSettings: ...

    @property
    def eval(self) -> EvalSettings: ...

    @property
    def names(self) -> NamesSettings: ...

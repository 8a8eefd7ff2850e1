"""What the evaluation stage is configured by."""

from __future__ import annotations

from dataclasses import dataclass

from repair import SHARED

__all__ = ["EvalSettings"]


@dataclass(frozen=True)
class EvalSettings:
    # Held-out clean sentences (never used in training) for the false-positive rate.
    clean: str | None = f"{SHARED}/corpus/dev.jsonl.gz"
    clean_n: int = 5000
    gold: str | None = f"{SHARED}/seed_dev.jsonl"  # the default labelled file

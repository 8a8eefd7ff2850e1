"""Rewrite stage: propose a repaired sentence for each flagged segment.

``propose`` canonicalises alias variants and known calques, puts English dates in Vietnamese
form, and, with a span rewriter (``rewrite.model``), rewrites flagged spans under entity
constraints and a guard (see ``repair.rewrite.model``). The records and settings are in
``repair.rewrite.base``.
"""

from repair.rewrite.base import (
    ALIAS_MODEL,
    SOURCES,
    Proposal,
    RewriteSettings,
    SpanEdit,
    edit_ratio,
)
from repair.rewrite.propose import propose

__all__ = ["ALIAS_MODEL", "SOURCES", "Proposal", "RewriteSettings", "SpanEdit", "edit_ratio",
           "propose"]

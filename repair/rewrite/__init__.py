"""Rewrite stage: propose a repaired sentence for each flagged segment.

``propose`` canonicalises alias variants (v1) and, when a seq2seq model is configured, rewrites
flagged sentences with it under entity constraints and a guard (see ``repair.rewrite.model``).
"""

from repair.rewrite.propose import ALIAS_MODEL, Proposal, RewriteSettings, edit_ratio, propose

__all__ = ["ALIAS_MODEL", "Proposal", "RewriteSettings", "edit_ratio", "propose"]

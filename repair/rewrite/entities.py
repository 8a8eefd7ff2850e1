"""Entity constraints for model rewrites: protect, restore, verify.

Before a sentence goes to the model, every alias variant and every canonical entity name in it
is replaced by a placeholder (``<ent0>``, ``<ent1>``, ... left to right) that the tokenizer
keeps atomic. After generation each placeholder is replaced by the canonical form, and the
verifier checks that every required canonical form is present and no known variant remains.
A rewrite that fails verification is not used (the caller falls back to
:func:`repair.aliases.canonicalize`), so the constraint holds by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from repair.aliases import AliasMatch, AliasTable
from repair.rewrite.tokenizer import PLACEHOLDERS, placeholder

__all__ = ["Slot", "Protected", "protect", "restore", "verify", "MAX_SLOTS"]

MAX_SLOTS = len(PLACEHOLDERS)
_PLACEHOLDER_RE = re.compile(r"<ent(\d+)>")
_ANY_TAG_RE = re.compile(r"<\s*/?\s*ent\s*\d*\s*>?|<ent", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    start: int  # offsets in the original text
    end: int
    text: str  # as it stands in the original
    canonical: str  # what the placeholder is restored to


@dataclass(frozen=True)
class Protected:
    original: str
    text: str  # the original with placeholders
    slots: tuple[Slot, ...]

    def to_protected(self, pos: int) -> int:
        """Offset in ``text`` of original offset ``pos`` (``pos`` outside any slot)."""
        shift = 0
        for i, s in enumerate(self.slots):
            if s.end <= pos:
                shift += len(placeholder(i)) - (s.end - s.start)
        return pos + shift


def protect(text: str, aliases: AliasTable, matches: list[AliasMatch] | None = None,
            ) -> Protected | None:
    """Replace alias variants (or the given ``matches``: aliases, calques, dates) and canonical
    names by placeholders; None if too many."""
    found = aliases.find(text) if matches is None else matches
    spans: list[tuple[int, int, str]] = [(m.start, m.end, m.canonical) for m in found]
    for s, e in aliases.find_canonicals(text):
        if not any(s < e2 and s2 < e for s2, e2, _ in spans):
            spans.append((s, e, text[s:e]))
    spans.sort()
    if len(spans) > MAX_SLOTS:
        return None
    parts, pos = [], 0
    slots = []
    for i, (s, e, canonical) in enumerate(spans):
        parts.append(text[pos:s])
        parts.append(placeholder(i))
        slots.append(Slot(s, e, text[s:e], canonical))
        pos = e
    parts.append(text[pos:])
    return Protected(text, "".join(parts), tuple(slots))


def restore(output: str, prot: Protected) -> str | None:
    """Put canonical forms in place of placeholders; None if a placeholder is missing,
    repeated, unknown, or left malformed."""
    seen = [0] * len(prot.slots)

    def sub(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i >= len(prot.slots):
            raise _Bad
        seen[i] += 1
        return prot.slots[i].canonical

    try:
        out = _PLACEHOLDER_RE.sub(sub, output)
    except _Bad:
        return None
    if any(n != 1 for n in seen) or _ANY_TAG_RE.search(out):
        return None
    return out


class _Bad(Exception):
    pass


def verify(output: str, prot: Protected, aliases: AliasTable) -> list[str]:
    """Problems with a restored rewrite: required canonical forms missing, variants left."""
    problems = []
    need: dict[str, int] = {}
    for slot in prot.slots:
        need[slot.canonical] = need.get(slot.canonical, 0) + 1
    for canonical, n in need.items():
        if output.count(canonical) < n:
            problems.append(f"missing {canonical!r}")
    for m in aliases.find(output):
        problems.append(f"variant {m.text!r} left")
    return sorted(set(problems))

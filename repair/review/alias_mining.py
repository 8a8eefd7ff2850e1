"""Alias mining: propose new alias-table rows from reviewers' accepted edits.

Where a reviewer replaced a short stretch (one phrase edit, :mod:`repair.review.edits`: a
moved block is a reordering, never a variant) containing a name by another ("Ruan Chunfu" ->
"Nguyễn Xuân Phúc"), the old stretch is a candidate variant of the new one, unless the alias
table already maps it there. Candidates are grouped by canonical form with their evidence
(item ids and counts) and written in the alias TSV format of ``repair.aliases``, the evidence
as ``#`` comment lines, for a human to confirm before the rows join a table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import HEADER, AliasRow, AliasTable, check_rows
from repair.errors import AliasTableError
from repair.metrics import words
from repair.review.edits import phrase_edits
from repair.review.queue import Queue
from repair.text import fold_key

__all__ = ["AliasSuggestion", "suggest_aliases", "format_suggestions"]

MAX_WORDS = 6


@dataclass
class AliasSuggestion:
    canonical: str
    type: str
    variants: dict[str, list[int]] = field(default_factory=dict)  # variant -> item ids

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.variants.values())

    def row(self) -> str:
        return "\t".join((self.canonical, self.type, "|".join(sorted(self.variants))))


def _surface(ws: tuple[str, ...]) -> str:
    return " ".join(ws).strip()


def _trim(ws: tuple[str, ...]) -> tuple[str, ...]:
    ws = tuple(ws)
    while ws and not ws[0][0].isalnum():
        ws = ws[1:]
    while ws and not ws[-1][0].isalnum():
        ws = ws[:-1]
    return ws


def _guess_type(canonical: str, aliases: AliasTable) -> str:
    for row in aliases.rows:
        if row.canonical == canonical:
            return row.type
    parts = canonical.split()
    if len(parts) >= 2 and all(p[:1].isupper() for p in parts):
        return "person"
    return "entity"


def _why_not(variant: str, canonical: str, type_: str, aliases: AliasTable,
             not_names: Callable[[str], str | None]) -> str | None:
    """Why the row ``canonical<TAB>type<TAB>variant`` would not load (None if it would): the
    same checks as loading a table, with the table in force."""
    if any(c in variant or c in canonical for c in "\t|\n"):
        return "contains a tab or '|'"
    if fold_key(variant) == fold_key(canonical):
        return "the variant is the canonical name"
    if (why := not_names(variant)) is not None:
        return why
    row = AliasRow(canonical, type_, (variant,), source="suggestion")
    try:
        check_rows([*aliases.rows, row])
    except AliasTableError as exc:
        return str(exc).removeprefix("suggestion: ")
    return None


def suggest_aliases(queue: Queue, aliases: AliasTable | None = None,
                    left_out: list[tuple[str, str, str]] | None = None,
                    not_names: Callable[[str], str | None] = lambda v: None,
                    ) -> list[AliasSuggestion]:
    """Candidate alias rows from the queue's accepted and edited items, most evidence first.
    Only rows that would load are proposed (``_why_not``), and no variant ``not_names`` gives
    a reason for (the CLI passes the date rules: a date repair is not a name); the others are
    appended to ``left_out`` as (variant, canonical, reason)."""
    aliases = aliases if aliases is not None else AliasTable()
    left_out = left_out if left_out is not None else []
    found: dict[str, AliasSuggestion] = {}
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for it in queue.items(["accepted", "edited"]):
        final = it.final_text
        if final is None or final == it.text:
            continue
        # one correction = one edit, moves apart; names are contiguous, so two names fixed
        # two words apart ("Ruan Chunfu gặp ông Ruan Fuzhong") stay two edits (no gap merge)
        for ch in phrase_edits(it.text, final, max_gap=0):
            if ch.kind != "replace":
                continue
            old, new = _trim(tuple(words(ch.old))), _trim(tuple(words(ch.new)))
            if not old or not new or len(old) > MAX_WORDS or len(new) > MAX_WORDS:
                continue
            old_s, new_s = _surface(old), _surface(new)
            if old_s.lower() == new_s.lower() or not any(c.isalpha() for c in old_s):
                continue
            if not any(w[:1].isupper() for w in old + new):
                continue  # ordinary rewording, not a name
            if any(m.canonical == new_s for m in aliases.find(old_s)):
                continue  # already known
            if it.id in seen[(old_s, new_s)]:
                continue
            seen[(old_s, new_s)].add(it.id)
            sug = found.setdefault(new_s, AliasSuggestion(new_s, _guess_type(new_s, aliases)))
            sug.variants.setdefault(old_s, []).append(it.id)
    return _loadable(sorted(found.values(), key=lambda s: (-s.count, s.canonical)), aliases,
                     left_out, not_names)


def _loadable(suggestions: list[AliasSuggestion], aliases: AliasTable,
              left_out: list[tuple[str, str, str]],
              not_names: Callable[[str], str | None]) -> list[AliasSuggestion]:
    """The suggestions whose rows load together with the table (most evidence first wins)."""
    kept: list[AliasSuggestion] = []
    table = AliasTable(aliases.rows)
    for sug in suggestions:
        for variant in sorted(sug.variants):
            why = _why_not(variant, sug.canonical, sug.type, table, not_names)
            if why is not None:
                left_out.append((variant, sug.canonical, why))
                del sug.variants[variant]
                continue
            table = AliasTable([*table.rows, AliasRow(sug.canonical, sug.type, (variant,))])
        if sug.variants:
            kept.append(sug)
    return kept


def format_suggestions(suggestions: list[AliasSuggestion]) -> str:
    """The suggestions as an alias table (TSV) with ``#`` evidence lines above each row."""
    lines = ["\t".join(HEADER)]
    for s in suggestions:
        for variant, ids in sorted(s.variants.items()):
            lines.append(
                f"# {variant!r} -> {s.canonical!r}: {len(ids)} edit(s), items "
                + ", ".join(map(str, ids))
            )
        lines.append(s.row())
    return "\n".join(lines) + "\n"


def write_suggestions(suggestions: list[AliasSuggestion], out: str | Path) -> None:
    Path(out).write_text(format_suggestions(suggestions), encoding="utf-8")

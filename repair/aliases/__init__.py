"""Entity alias tables: canonical names, their known variants, and exact canonicalisation.

Format (UTF-8 TSV, header required): ``canonical<TAB>type<TAB>variants[<TAB>context]``;
variants are separated by ``|``. The optional ``context`` column restricts a row to matches
with a given neighbour: ``Đô đốc _`` (left context) or ``_ đô đốc`` (right context), several
separated by ``|``. Context comparison ignores case; variant matching is case-sensitive on
word boundaries, NFC and tone-placement insensitive, longest match first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from repair import project_path, shown_path
from repair.aliases.counts import PHRASE_COUNTS
from repair.errors import AliasTableError
from repair.text import fold_key, nfc
from repair.text.timing import timed_call

__all__ = [
    "AliasRow",
    "AliasMatch",
    "AliasTable",
    "FREQUENT_COUNT",
    "PHRASE_COUNTS",
    "calque_rows",
    "check_rows",
    "frequent_variant",
    "load_alias_tables",
    "load_calque_table",
    "canonicalize",
]

HEADER = ("canonical", "type", "variants")


@dataclass(frozen=True)
class AliasRow:
    canonical: str
    type: str
    variants: tuple[str, ...]
    left: tuple[str, ...] = ()  # required left contexts (any of); empty with right = no restriction
    right: tuple[str, ...] = ()
    source: str = ""  # "path:line", for messages and evidence

    @property
    def restricted(self) -> bool:
        return bool(self.left or self.right)


@dataclass(frozen=True)
class AliasMatch:
    start: int
    end: int
    text: str  # the variant as it stands in the text
    canonical: str
    type: str
    source: str


def _boundary_pattern(keys: Sequence[str]) -> re.Pattern[str] | None:
    if not keys:
        return None
    alternation = "|".join(re.escape(k) for k in sorted(set(keys), key=lambda k: (-len(k), k)))
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])")


class AliasTable:
    """A merged set of alias rows with a compiled matcher."""

    def __init__(self, rows: Iterable[AliasRow] = ()):
        self.rows: tuple[AliasRow, ...] = tuple(rows)
        self._by_key: dict[str, list[AliasRow]] = {}
        for row in self.rows:
            for v in row.variants:
                self._by_key.setdefault(fold_key(v), []).append(row)
        self._variant_re = _boundary_pattern(list(self._by_key))
        self._canonical_re = _boundary_pattern([fold_key(r.canonical) for r in self.rows])

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def digest(self) -> str:
        """Short content hash, recorded with every proposal made under this table."""
        h = hashlib.sha256()
        for r in sorted(self.rows, key=lambda r: (r.canonical, r.variants, r.left, r.right)):
            h.update(repr((r.canonical, r.type, r.variants, r.left, r.right)).encode())
        return h.hexdigest()[:12]

    @property
    def canonicals(self) -> frozenset[str]:
        return frozenset(r.canonical for r in self.rows)

    def _context_ok(self, row: AliasRow, key: str, start: int, end: int) -> bool:
        if not row.restricted:
            return True
        before = key[:start].rstrip().lower()
        after = key[end:].lstrip().lower()
        for ctx in row.left:
            c = fold_key(ctx).lower()
            if before.endswith(c) and (len(before) == len(c) or not before[-len(c) - 1].isalnum()):
                return True
        for ctx in row.right:
            c = fold_key(ctx).lower()
            if after.startswith(c) and (len(after) == len(c) or not after[len(c)].isalnum()):
                return True
        return False

    def find(self, text: str) -> list[AliasMatch]:
        """Non-overlapping variant occurrences in ``text`` (NFC), leftmost-longest."""
        if self._variant_re is None:
            return []
        key = fold_key(text)
        out: list[AliasMatch] = []
        for m in self._variant_re.finditer(key):
            row = next(
                (
                    r
                    for r in self._by_key[m.group(0)]
                    if self._context_ok(r, key, m.start(), m.end())
                ),
                None,
            )
            if row is not None:
                out.append(
                    AliasMatch(
                        m.start(),
                        m.end(),
                        text[m.start() : m.end()],
                        row.canonical,
                        row.type,
                        row.source,
                    )
                )
        return out

    def find_canonicals(self, text: str) -> list[tuple[int, int]]:
        """Spans of canonical entity names already present in ``text``."""
        if self._canonical_re is None:
            return []
        return [(m.start(), m.end()) for m in self._canonical_re.finditer(fold_key(text))]


def _parse_context(value: str, where: str, path: Path, lineno: int) -> tuple[tuple, tuple]:
    left, right = [], []
    for item in (v.strip() for v in value.split("|")):
        if not item:
            continue
        if item.endswith(" _"):
            left.append(nfc(item[:-2].strip()))
        elif item.startswith("_ "):
            right.append(nfc(item[2:].strip()))
        else:
            raise AliasTableError(
                f"context {item!r} must look like 'LEFT WORDS _' or '_ RIGHT WORDS'", path, lineno
            )
    return tuple(left), tuple(right)


def _read_table(path: Path) -> list[AliasRow]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AliasTableError(f"cannot read alias table ({exc.strerror})", path) from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AliasTableError(
            "alias table is not valid UTF-8; re-save it as UTF-8", path, line
        ) from exc
    lines = content.splitlines()
    if not lines or tuple(c.strip().lower() for c in lines[0].split("\t"))[:3] != HEADER:
        raise AliasTableError(
            "first line must be the header 'canonical<TAB>type<TAB>variants[<TAB>context]'", path, 1
        )
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) not in (3, 4):
            raise AliasTableError(
                f"expected 3 or 4 tab-separated columns, found {len(cols)}", path, lineno
            )
        canonical, etype, variants = (nfc(c.strip()) for c in cols[:3])
        if not canonical:
            raise AliasTableError("empty canonical name", path, lineno)
        vs = tuple(nfc(v.strip()) for v in variants.split("|"))
        if not variants.strip():
            raise AliasTableError("no variants listed (separate them with '|')", path, lineno)
        if not all(vs):
            raise AliasTableError(
                "empty variant (two '|' in a row, or one at either end); remove the extra '|'",
                path, lineno)
        for v in vs:
            if fold_key(v) == fold_key(canonical):
                raise AliasTableError(
                    f"variant {v!r} is the canonical name itself; it would mark the correct "
                    "name as an artifact. Remove it from the variants", path, lineno)
        left, right = (
            _parse_context(cols[3], "context", path, lineno) if len(cols) == 4 else ((), ())
        )
        rows.append(AliasRow(canonical, etype or "entity", vs, left, right,
                             f"{shown_path(path)}:{lineno}"))
    return rows


# A context-free variant rewrites every occurrence of itself: refused when it occurs at least
# this often, as written, in the clean news corpus (17.7M words): 100 is 5.6 per million words.
# Measured (README "Alias tables"): every variant of a 73-variant table of transliterations and
# foreign names occurs at most 36 times, the 1,000 most frequent multi-word dictionary phrases
# each at least 500 times ("thành phố" 8,057).
FREQUENT_COUNT = 100


def _phrase_counts(path: str | None):
    from repair.aliases.counts import load_phrase_counts

    return load_phrase_counts(str(project_path(path or PHRASE_COUNTS)))


def _source(row: AliasRow) -> tuple[str, int | None]:
    path, _, line = row.source.rpartition(":")
    return (str(project_path(path)), int(line)) if line.isdigit() else (row.source, None)


def _contexts(row: AliasRow) -> set[tuple[str, str]]:
    return {("L", fold_key(c).lower()) for c in row.left} | {
        ("R", fold_key(c).lower()) for c in row.right
    }


def frequent_variant(row: AliasRow, variant: str, min_count: int = FREQUENT_COUNT,
                     counts_path: str | None = None) -> str | None:
    """Why a context-free ``variant`` would rewrite ordinary text often (None if it would
    not): it occurs, as written, at least ``min_count`` times in the clean news corpus. A
    capitalised variant is also counted with a small first letter: it matches that phrase
    wherever a sentence starts with it ("Ngày hôm sau" is "ngày hôm sau" at a sentence
    start), so the phrase's frequency is what it would rewrite there."""
    if row.restricted:
        return None
    counts = _phrase_counts(counts_path)
    forms = [variant] + ([variant[0].lower() + variant[1:]] if variant[:1].isupper() else [])
    found = [(n, exact, form) for form in forms
             for n, exact in [counts.count(form)] if n is not None]
    if not found or max(found)[0] < min_count:
        return None
    n, exact, form = max(found)
    how = ("" if exact else "up to ") + (f"{n} times" if form == variant
                                          else f"{n} times as {form!r}")
    return (f"variant {variant!r} of {row.canonical!r} occurs {how} in clean news "
            f"({counts.per_million(n):.1f} per million words; the limit is {min_count}): "
            "without a context it would rewrite every one of them. Add a context column "
            "(e.g. 'Ông _' or '_ đô đốc') or remove the variant")


def check_rows(rows: Sequence[AliasRow], min_count: int = FREQUENT_COUNT,
               counts_path: str | None = None) -> None:
    """Refuse rows that would silently rewrite ordinary text: a context-free variant that
    clean news writes often ("thành phố", "và"), and a variant that two rows map to different
    canonical forms where nothing tells them apart (a context-free row, or a shared context)."""
    seen: dict[str, list[AliasRow]] = {}
    for row in rows:
        for v in row.variants:
            if (why := frequent_variant(row, v, min_count, counts_path)) is not None:
                raise AliasTableError(why, *_source(row))
            earlier = seen.setdefault(fold_key(v), [])
            for other in earlier:
                if other.canonical == row.canonical:
                    continue
                if not other.restricted or not row.restricted or _contexts(other) & _contexts(row):
                    raise AliasTableError(
                        f"variant {v!r} maps to {row.canonical!r} here and to "
                        f"{other.canonical!r} at {other.source}; the first would always win. "
                        "Add a context to tell them apart, or remove one",
                        *_source(row),
                    )
            if row not in earlier:
                earlier.append(row)


@timed_call("load: alias tables")
def load_alias_tables(paths: Iterable[str | Path]) -> AliasTable:
    """Read, check and merge alias tables; raises ``AliasTableError`` naming file and line."""
    rows: list[AliasRow] = []
    for p in paths:
        rows.extend(_read_table(Path(p)))
    check_rows(rows)
    return AliasTable(rows)


def canonicalize(text: str, table: AliasTable) -> tuple[str, list[AliasMatch]]:
    """Replace every alias variant in ``text`` by its canonical form.

    Returns the new text and the matches (offsets refer to the input text).
    """
    matches = table.find(text)
    if not matches:
        return text, []
    pieces, pos = [], 0
    for m in matches:
        pieces.append(text[pos : m.start])
        pieces.append(m.canonical)
        pos = m.end
    pieces.append(text[pos:])
    return "".join(pieces), matches


def calque_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The rows of a calque list (``phrase<TAB>suggestion<TAB>note[<TAB>context]``, header
    first) as (line number, columns); blank and comment lines left out. The one reader of the
    format: the detector's phrase lists and the proposals' calque table both use it."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AliasTableError(f"cannot read calque list ({exc})", path) from exc
    for lineno, line in enumerate(lines[1:], start=2):
        if line.strip() and not line.lstrip().startswith("#"):
            yield lineno, line.split("\t")


@timed_call("load: calque table")
def load_calque_table(path: str | Path) -> AliasTable:
    """Known calques (``phrase<TAB>suggestion<TAB>note[<TAB>context]``, header first) as alias
    rows of type ``calque``: each phrase with a suggestion is a variant of its suggestion, so it
    is proposed, protected and verified exactly like an entity variant. ``context`` restricts a
    phrase that is also ordinary Vietnamese, as in alias tables."""
    p = Path(path)
    rows = []
    for lineno, cols in calque_rows(p):
        phrase = nfc(cols[0].strip())
        suggestion = nfc(cols[1].strip()) if len(cols) > 1 else ""
        if not phrase or not suggestion:
            continue
        left, right = (_parse_context(cols[3], "context", p, lineno)
                       if len(cols) > 3 and cols[3].strip() else ((), ()))
        rows.append(AliasRow(suggestion, "calque", (phrase,), left, right,
                             f"{shown_path(p)}:{lineno}"))
    return AliasTable(rows)

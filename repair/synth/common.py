"""What every family shares: the records (spans, pairs, edits), the tokenised sentence and
small string helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Corruption", "Ctx", "Edit", "PhraseTable", "SyntheticPair", "WORD_RE", "case_ok",
           "is_cap", "match_case", "phrase_regex", "reorder", "sentence_start"]


@dataclass(frozen=True)


class Corruption:
    """One corruption in a synthetic pair: ``text`` at ``start:end`` of the corrupted sentence
    replaced ``original`` of the clean one."""

    start: int
    end: int
    category: str
    text: str
    original: str


@dataclass(frozen=True)


class SyntheticPair:
    clean: str
    corrupted: str
    spans: tuple[Corruption, ...]


WORD_RE = re.compile(r"\w+")

Edit = tuple[int, int, str, str]  # (start, end, replacement, category) in clean coordinates


def is_cap(w: str) -> bool:
    return w[0].isupper() and (len(w) == 1 or w[1:].islower()) and w.isalpha()


def match_case(orig: str, rep: str) -> str:
    if orig[:1].isupper() and rep[:1].islower():
        return rep[0].upper() + rep[1:]
    return rep


def reorder(first: str, rest: str, at_start: bool) -> str:
    """Join two moved pieces; at sentence start move the capital to the new first word."""
    if at_start and rest[:1].isupper() and rest[1:].split(" ")[0].islower() and first[:1].islower():
        rest = rest[0].lower() + rest[1:]
    if at_start:
        first = first[0].upper() + first[1:]
    return f"{first} {rest}"


def sentence_start(text: str, pos: int) -> bool:
    head = text[:pos].rstrip(' "“(')
    return not head or head[-1] in ".!?:"


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    alts = sorted({p for p in phrases}, key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alts) + r")(?!\w)", re.IGNORECASE
    )


def case_ok(found: str, phrase: str) -> bool:
    """The found text equals the table phrase up to the case of its first letter."""
    return found[1:] == phrase[1:] and found[:1].lower() == phrase[:1].lower()


class Ctx:
    """Tokenised sentence with lazily computed analyses."""

    __slots__ = ("text", "toks", "_names", "_dictwords")

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]
        self._names: list[tuple[int, int]] | None = None
        self._dictwords: list[tuple[int, int]] | None = None

    def adjacent(self, i: int) -> bool:
        """Token i and i+1 are separated by exactly one space."""
        return (
            i + 1 < len(self.toks)
            and self.toks[i][1] + 1 == self.toks[i + 1][0]
            and self.text[self.toks[i][1]] == " "
        )

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span of tokens i..j-1."""
        return self.toks[i][0], self.toks[j - 1][1]

    def words(self, i: int, j: int) -> str:
        return self.text[self.toks[i][0] : self.toks[j - 1][1]]

    def chain(self, i: int, n: int) -> bool:
        """Tokens i..i+n-1 exist and are joined by single spaces."""
        if i < 0 or i + n > len(self.toks):
            return False
        return all(self.adjacent(k) for k in range(i, i + n - 1))


class PhraseTable:
    """Table phrases found in a sentence (whole words, any case of the first letter), each with
    the replacements the table gives it."""

    def __init__(self, rows: Iterable[tuple[str, tuple[str, ...]]]):
        rows = list(rows)
        self._by_key = {p.lower(): (p, alts) for p, alts in rows}
        self._re = phrase_regex(p for p, _ in rows)

    def matches(self, text: str) -> Iterator[tuple[re.Match[str], tuple[str, ...]]]:
        for m in self._re.finditer(text):
            found = m.group()
            entry = self._by_key.get(found.lower())
            if entry is not None and case_ok(found, entry[0]):
                yield m, entry[1]

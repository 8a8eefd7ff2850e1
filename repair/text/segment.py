"""Sentence segmentation with character offsets, in time linear in the input.

Every look at the text around a candidate boundary is bounded or incremental: the quotation
depth is carried along the line instead of being recounted from its start, the word before a
period is read from a short window, and the boundary pattern only starts at the first mark of a
run of punctuation. A 1 MB line with no line breaks costs about what the same text with them
does (``repair bench segment``).
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# Abbreviations after which a period never ends a sentence (lower-cased, without the period).
_ABBREVIATIONS = frozenset(
    """tp tt q p tx h gs pgs ts ths bs ks cn ncs nxb nsnd nsut nd mr mrs ms dr jr sr st no co
    ltd inc corp vs ô bà th ttg""".split()
)
_SEPARATOR_RE = re.compile(r"^[\s\-–—_=*•.·~]+$")
_CLOSERS = "\"'”’»)]}"
_BOUNDARY_RE = re.compile(
    # (?<!...): a match starts only at the first mark of a run, so a long run of dots is
    # scanned once rather than once per dot
    r"(?<![.!?…])[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[^\W\d_])"
    # a missing space after the period, as scraped articles often have: "Lịch.Lễ đón"
    r"|(?<=[^\W\d_]{2})[.!?](?=[^\W\d_][^\W\d_]*[a-zà-ỹđ]\b)"
)
_NEXT_RE = re.compile(r"\s*[\"'“‘«(\[{]*")  # whitespace, then opening quotes/brackets
# The word (with inner periods) that ends the searched range; the look-behinds let a match
# start only where the word cannot extend further left, so each try is short.
_WORD_END_RE = re.compile(r"(?<![^\W\d_])(?<![^\W\d_]\.)[^\W\d_]+(?:\.[^\W\d_]+)*$")
_QUOTE_RE = re.compile(r"[“«‘”»’\"]")
# Longer than any abbreviation or initial: a word cut by the window cannot be one.
_WINDOW = 32
_MAX_QUOTE = 1000  # characters; quotations in news rarely run longer within a paragraph


class _Quotes:
    """Whether a quotation is open at increasing positions of one line, counted lazily from
    the last position asked about (so each quote mark is looked at once)."""

    def __init__(self, line: str):
        self.line = line
        self.pos = 0
        self.depth = 0
        self.straight_open = False
        self.opened_at = 0

    def open_for(self, pos: int) -> int:
        """Characters since the quotation open at ``pos`` was opened; -1 if none is open."""
        for m in _QUOTE_RE.finditer(self.line, self.pos, pos):
            was_open = self.depth or self.straight_open
            c = m.group(0)
            if c in "“«‘":
                self.depth += 1
            elif c == '"':
                self.straight_open = not self.straight_open
            elif self.depth > 0:
                self.depth -= 1
            if not was_open:
                self.opened_at = m.start()
        if pos > self.pos:
            self.pos = pos
        return pos - self.opened_at if (self.depth or self.straight_open) else -1


def _word_before(line: str, pos: int) -> str | None:
    """The word (with inner periods) ending at ``pos``; None if there is none or it is longer
    than the window (then it is neither an abbreviation nor an initial)."""
    m = _WORD_END_RE.search(line, max(0, pos - _WINDOW), pos)
    return m.group(0) if m else None


def _is_boundary(line: str, end_of_punct: int, punct_start: int, quotes: _Quotes) -> bool:
    j = _NEXT_RE.match(line, end_of_punct).end()  # type: ignore[union-attr]
    if j >= len(line) or not line[j].isupper():
        return False
    if line[punct_start] == ".":
        w = _word_before(line, punct_start)
        if w:
            if w.lower() in _ABBREVIATIONS:
                return False
            if len(w) == 1 and w.isupper():  # an initial: "A. Nguyễn"
                return False
    # Punctuation closed by a quote ends the sentence; inside an open quote it does not,
    # unless the quotation has run on for longer than any real one (a stray or unbalanced
    # mark), so one stray mark cannot merge the rest of a long line into one "sentence".
    if line[end_of_punct - 1] in _CLOSERS:
        return True
    return not 0 <= quotes.open_for(punct_start) <= _MAX_QUOTE


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``: one per sentence, whitespace trimmed.

    Lines are paragraphs (a headline without a final period is a sentence); separator
    lines such as "-----" are skipped; abbreviations ("TP.", "GS."), initials, dates
    ("18-19/2.") and quotations do not end a sentence early.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() and not _SEPARATOR_RE.match(body):
            cuts = [0]
            quotes = _Quotes(body)
            for m in _BOUNDARY_RE.finditer(body):
                if _is_boundary(body, m.end(), m.start(), quotes):
                    cuts.append(m.end())
            cuts.append(len(body))
            for a, b in zip(cuts, cuts[1:], strict=False):
                lead = b - a - len(body[a:b].lstrip())
                trail = b - a - len(body[a:b].rstrip())
                if lead < b - a:
                    spans.append((offset + a + lead, offset + b - trail))
        offset += len(line)
    return spans

"""Word-level differences: the reviewer's diff view, HTER-style effort, and alias mining.

Words are runs of letters/digits; punctuation marks are words of their own; whitespace is not
a word, so a diff never shows spacing noise.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from repair.metrics import WORD_RE, words
from repair.review.edits import edit_cost, phrase_edits

__all__ = ["Change", "word_changes", "ter_edits", "hter", "diff_html"]

@dataclass(frozen=True)
class Change:
    op: str  # equal, replace, delete, insert
    old: tuple[str, ...]
    new: tuple[str, ...]


def word_changes(a: str, b: str) -> list[Change]:
    """Word-level opcodes turning ``a`` into ``b``."""
    wa, wb = words(a), words(b)
    sm = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False)
    return [
        Change(op, tuple(wa[i1:i2]), tuple(wb[j1:j2]))
        for op, i1, i2, j1, j2 in sm.get_opcodes()
    ]


def ter_edits(a: str, b: str) -> int:
    """Word edits from ``a`` to ``b`` counted over phrase edits (:mod:`repair.review.edits`),
    TER-style: a moved block is one shift, not a deletion and an insertion."""
    return sum(edit_cost(e) for e in phrase_edits(a, b))


def hter(proposal: str, final: str) -> float:
    """HTER-style effort: word edits from the proposal to the final text (a moved block one
    shift, as in TER), per final word. 0 = accepted as proposed."""
    n = len(words(final))
    return round(ter_edits(proposal, final) / max(n, 1), 4)


def diff_html(a: str, b: str) -> str:
    """``b`` shown against ``a``: deleted words struck through in red, inserted in green."""
    wa_text = _spaced(a)
    wb_text = _spaced(b)
    sm = difflib.SequenceMatcher(a=[w for w, _ in wa_text], b=[w for w, _ in wb_text],
                                 autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out.append(_join(wb_text[j1:j2]))
            continue
        if i2 > i1:
            gap = " " if j2 > j1 else wa_text[i2 - 1][1]
            out.append(f'<del class="rv-del">{_join(wa_text[i1:i2]).strip()}</del>{gap}')
        if j2 > j1:
            out.append(f'<ins class="rv-ins">{_join(wb_text[j1:j2]).strip()}</ins>'
                       f"{wb_text[j2 - 1][1]}")
    return "".join(out).strip()


def _spaced(text: str) -> list[tuple[str, str]]:
    """Words with the whitespace that follows each, so the diff keeps the text's spacing."""
    out = []
    for m in WORD_RE.finditer(text):
        end = m.end()
        gap = re.match(r"\s*", text[end:]).group(0)  # type: ignore[union-attr]
        out.append((m.group(0), " " if gap else ""))
    return out


def _join(pieces: list[tuple[str, str]]) -> str:
    return "".join(html.escape(w) + s for w, s in pieces)

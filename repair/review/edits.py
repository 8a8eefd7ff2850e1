"""Phrase edits: what a reviewer changed, as they meant it, not as a word diff splits it.

A word-level diff cuts one correction into fragments: "Ngoại vụ Mỹ quốc" -> "Bộ Ngoại giao
Mỹ" comes out as an insertion ("Bộ"), a replacement ("vụ" -> "giao") and a deletion
("quốc"), and a title moved before a name ("Donald Trump Tổng thống" -> "Tổng thống Donald
Trump") as a deletion and an insertion. As ERRANT does for grammar corrections, the
alignment is followed by merge steps, so that one correction is one edit:

1. align the machine words with the final words (``difflib``, word tokens, punctuation marks
   tokens of their own, ``<entN>`` placeholders whole);
2. **moves**: a deleted block that is inserted elsewhere (the same words, case aside) is one
   ``move`` edit whose span covers the moved words and the words they jumped over;
3. **merge**: edits separated by at most ``max_gap`` unchanged words are one edit.

Every edit has its span in the source (character offsets, whole tokens) and the text that
replaces it, so :func:`apply_edits` turns the source into the target. Insertions have an
empty source span; :func:`anchored` gives them a neighbouring word, as a detector marks
words. Used by the fine-tuning examples and learned patterns (``repair.train``), the memory's
three-way merge, HTER and alias mining.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from repair.metrics import levenshtein

__all__ = ["PhraseEdit", "Token", "tokens_of", "phrase_edits", "apply_edits", "anchored",
           "edit_cost", "MAX_GAP", "MAX_JUMP"]

MAX_JUMP = 6  # tokens a moved block may jump over
MAX_GAP = 2  # unchanged words between two changes that still make them one edit
_TOKEN_RE = re.compile(r"<ent\d+>|[^\W_]+(?:['’\-.][^\W_]+)*|[^\w\s]|_")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PhraseEdit:
    """Source tokens ``[i1, i2)`` (characters ``[start, end)``, ``old``) become the target's
    tokens ``[j1, j2)`` (``new``, with the target's own spacing). ``outer_*`` is the same edit
    with the spacing around it, from the end of the unchanged word before to the start of
    the unchanged word after, so that splicing it in (:func:`apply_edits`) is exact."""

    kind: str  # replace, insert, delete, move
    i1: int
    i2: int
    j1: int
    j2: int
    start: int
    end: int
    old: str
    new: str
    outer_start: int
    outer_end: int
    outer_new: str
    moved: int = 0  # tokens moved (a move edit), 0 otherwise

    @property
    def n_old(self) -> int:
        return self.i2 - self.i1

    @property
    def n_new(self) -> int:
        return self.j2 - self.j1


def tokens_of(text: str) -> list[Token]:
    """The word tokens of ``text`` with their offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _key(t: Token) -> str:
    return t.text.lower()


@dataclass
class _Block:  # a non-equal opcode, in token indices
    i1: int
    i2: int
    j1: int
    j2: int
    moved: int = 0


def _find_moves(blocks: list[_Block], a: list[str], b: list[str],
                max_jump: int) -> list[_Block]:
    """Pair a deleted stretch with the same words inserted elsewhere (at most ``max_jump``
    tokens away): the pair becomes one block spanning both and what lies between them."""
    out = sorted(blocks, key=lambda z: (z.i1, z.j1))
    found = True
    while found:
        found = False
        for x in out:
            old = a[x.i1 : x.i2]
            if not any(w[:1].isalnum() for w in old):
                continue
            for y in out:
                if y is x or _sub_index(b[y.j1 : y.j2], old) < 0:
                    continue
                lo, hi = (x, y) if (x.i1, x.j1) <= (y.i1, y.j1) else (y, x)
                if hi.i1 - lo.i2 > max_jump:
                    continue
                merged = _Block(lo.i1, max(lo.i2, hi.i2), lo.j1, max(lo.j2, hi.j2),
                                max(x.moved, y.moved) + len(old))
                out = [z for z in out if not (merged.i1 <= z.i1 and z.i2 <= merged.i2)]
                out = sorted([*out, merged], key=lambda z: (z.i1, z.j1))
                found = True
                break
            if found:
                break
    return out


def _sub_index(seq: list[str], part: list[str]) -> int:
    for k in range(len(seq) - len(part) + 1):
        if seq[k : k + len(part)] == part:
            return k
    return -1


def _merge_close(blocks: list[_Block], max_gap: int) -> list[_Block]:
    out: list[_Block] = []
    for blk in sorted(blocks, key=lambda z: (z.i1, z.j1)):
        if out and blk.i1 - out[-1].i2 <= max_gap:
            last = out[-1]
            out[-1] = _Block(last.i1, max(last.i2, blk.i2), last.j1, max(last.j2, blk.j2),
                             last.moved + blk.moved)
        else:
            out.append(blk)
    return out


def phrase_edits(src: str, tgt: str, max_gap: int = MAX_GAP,
                 max_jump: int = MAX_JUMP) -> list[PhraseEdit]:
    """The edits turning ``src`` into ``tgt``, moves detected and close changes merged,
    left to right (see the module docstring)."""
    ta, tb = tokens_of(src), tokens_of(tgt)
    a, b = [_key(t) for t in ta], [_key(t) for t in tb]
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    blocks = [_Block(i1, i2, j1, j2) for op, i1, i2, j1, j2 in ops if op != "equal"]
    for op, i1, i2, j1, _j2 in ops:  # case-only changes are changes too
        if op == "equal":
            blocks += [_Block(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)
                       if ta[i1 + k].text != tb[j1 + k].text]
    blocks = _merge_close(_find_moves(blocks, a, b, max_jump), max_gap)
    out = []
    for blk in blocks:
        if blk.i2 > blk.i1:
            start, end = ta[blk.i1].start, ta[blk.i2 - 1].end
        else:  # an insertion: an empty span after the unchanged word before it
            start = end = ta[blk.i1 - 1].end if blk.i1 else 0
        new = tgt[tb[blk.j1].start : tb[blk.j2 - 1].end] if blk.j2 > blk.j1 else ""
        o1 = ta[blk.i1 - 1].end if blk.i1 else 0
        o2 = ta[blk.i2].start if blk.i2 < len(ta) else len(src)
        p1 = tb[blk.j1 - 1].end if blk.j1 else 0
        p2 = tb[blk.j2].start if blk.j2 < len(tb) else len(tgt)
        kind = ("move" if blk.moved else "insert" if blk.i1 == blk.i2
                else "delete" if blk.j1 == blk.j2 else "replace")
        out.append(PhraseEdit(kind, blk.i1, blk.i2, blk.j1, blk.j2, start, end, src[start:end],
                              new, o1, o2, tgt[p1:p2], blk.moved))
    return out


def apply_edits(src: str, edits: Sequence[PhraseEdit]) -> str:
    """``src`` with every edit spliced in, spacing around it included: the target, where
    the unchanged words are spaced as in the target."""
    pieces, pos = [], 0
    for e in sorted(edits, key=lambda e: e.outer_start):
        pieces += [src[pos : e.outer_start], e.outer_new]
        pos = e.outer_end
    return "".join(pieces) + src[pos:]


def anchored(src: str, tgt: str, edit: PhraseEdit) -> tuple[int, int, str]:
    """``(start, end, replacement)`` of ``edit`` in ``src`` marking at least one source
    word: an insertion or a deletion takes the unchanged word before it (after it, at the
    start), as the detector marks words, not gaps."""
    if edit.n_old and edit.n_new:
        return edit.start, edit.end, edit.new
    ta, tb = tokens_of(src), tokens_of(tgt)
    if edit.i1 > 0 and edit.j1 > 0:  # the unchanged word before: ta[i1-1] == tb[j1-1]
        a = ta[edit.i1 - 1].start
        b = edit.end if edit.n_old else ta[edit.i1 - 1].end
        rep_end = tb[edit.j2 - 1].end if edit.n_new else tb[edit.j1 - 1].end
        return a, b, tgt[tb[edit.j1 - 1].start : rep_end]
    if edit.i2 < len(ta) and edit.j2 < len(tb):  # ... or after it
        a = edit.start if edit.n_old else ta[edit.i2].start
        rep_start = tb[edit.j1].start if edit.n_new else tb[edit.j2].start
        return a, ta[edit.i2].end, tgt[rep_start : tb[edit.j2].end]
    return edit.start, edit.end, edit.new


def edit_cost(edit: PhraseEdit) -> int:
    """Word edits of one phrase edit, TER-style: a move is one shift (plus the words it
    also changed); otherwise the word Levenshtein distance inside the edit."""
    old, new = [t.text for t in tokens_of(edit.old)], [t.text for t in tokens_of(edit.new)]
    if edit.moved:
        return 1 + levenshtein(sorted(old), sorted(new))
    return levenshtein(old, new)



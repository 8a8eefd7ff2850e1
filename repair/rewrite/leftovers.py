"""Leftovers of machine translation that a rule repairs with certainty, in flagged sentences:
a military rank left after the name ("Phan Văn Giang đại tướng" -> "Đại tướng Phan Văn
Giang", also when the rank is a known calque, "trên tướng"), a doubled function word ("về
về"), and an English "etc." or the malformed "vv." closing the sentence (the well-formed
Vietnamese "v.v." stays). Matches are alias matches (types ``order`` and ``leftover``), so
proposals, entity protection and verification treat them like the other deterministic
repairs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from repair.aliases import AliasMatch
from repair.detect.names import _TITLES

__all__ = ["RANKS", "FUNCTION_WORDS", "title_order", "leftover_matches"]

# ranks and titles Vietnamese writes before the name, lowercase -> their form there
RANKS = {r.lower(): r for r in (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Tướng", "Đô đốc",
    "Phó Đô đốc", "Chuẩn Đô đốc", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá")}
# closed-class words never written twice in a row in clean news
FUNCTION_WORDS = frozenset(
    "của và về trong tại đã sẽ đang các những rằng với cho để từ trên dưới theo bởi vì nhưng "
    "hoặc hay thì mà nên cũng là".split())

_UPPER = "".join(c for c in map(chr, range(0x41, 0x1EFA)) if c.isupper() and c.isalpha())
_SYL = rf"[{_UPPER}][\w'-]*"  # a capitalised syllable
_NAME = rf"{_SYL}(?: {_SYL}){{1,3}}"
_DOUBLE_RE = re.compile(r"(?<!\w)(\w+) \1(?!\w)", re.IGNORECASE)
_ETC_RE = re.compile(r"(?:,\s*|\s+)(?:etc|vv)\.?\s*$")


def title_order(text: str, found: Sequence[AliasMatch]) -> list[AliasMatch]:
    """A name followed by a rank (or a known calque of one among ``found``), the pair not
    preceded by another rank: the rank goes before the name, the name's own matches in
    ``found`` applied."""
    ranks = dict(RANKS)
    for m in found:
        if m.canonical.lower() in RANKS:
            ranks[m.text.lower()] = RANKS[m.canonical.lower()]
    alts = "|".join(sorted(map(re.escape, ranks), key=len, reverse=True))
    out = []
    # the rank is not followed by a name of its own ("Nhật Bản tướng Iwasaki")
    for m in re.finditer(rf"(?<![\w-])(?P<name>{_NAME}) (?P<rank>(?i:{alts}))(?![\w-])"
                         rf"(?!\s+{_SYL})", text):
        rank = m.group("rank")
        if rank[:1].isupper() and rank.lower() in RANKS:
            continue  # "... Đại tướng Phan" : a capitalised rank begins the next name
        joined = f"{m.group('name').rsplit(' ', 1)[-1]} {rank}".lower()
        if joined in ranks or joined in _TITLES:
            continue  # "Thatcher Thủ tướng", "Hải Đại tướng": the name took the title's head
        head = text[: m.start()].rstrip().lower()
        if any(head.endswith(r) for r in ranks):
            continue  # already has a rank before it
        inner = sorted((f for f in found if m.start("name") <= f.start and f.end <= m.end("name")),
                       key=lambda f: f.start)
        pieces, pos = [], m.start("name")
        for f in inner:
            pieces += [text[pos : f.start], f.canonical]
            pos = f.end
        fixed_name = "".join(pieces) + text[pos : m.end("name")]
        form = ranks[rank.lower()]
        if not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?:":
            form = form[:1].upper() + form[1:]
        why = "; ".join(["rules:rank before the name", *(f"{f.text} -> {f.canonical}: {f.source}"
                                                          for f in inner)])
        out.append(AliasMatch(m.start(), m.end(), m.group(), f"{form} {fixed_name}", "order",
                              why))
    return out


def leftover_matches(text: str) -> list[AliasMatch]:
    """Doubled function words and a closing "etc."/"vv." of ``text``."""
    out = []
    for m in _DOUBLE_RE.finditer(text):
        first, second = m.group(0).split()
        if first.lower() in FUNCTION_WORDS and second.islower():
            out.append(AliasMatch(m.start(), m.end(), m.group(), m.group(1), "leftover",
                                  "rules:doubled function word"))
    tail = _ETC_RE.search(text)
    if tail:
        out.append(AliasMatch(tail.start(), tail.end(), tail.group(), ".", "leftover",
                              "rules:etc. closing the sentence"))
    return out

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
from collections.abc import Callable, Sequence

from repair.aliases import AliasMatch
from repair.detect.names import TITLES
from repair.rewrite.guard import vi_compounds

__all__ = ["RANK_RULE", "VISIT_RULE", "ETC_RULE", "SURE_RULES", "RANKS", "HONORIFICS",
           "FUNCTION_WORDS", "PLACE_MIN", "title_order", "visit_order", "leftover_matches",
           "doubled_party", "may_be_sure"]

# ranks and titles Vietnamese writes before the name, lowercase -> their form there
RANKS = {r.lower(): r for r in (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Tướng", "Đô đốc",
    "Phó Đô đốc", "Chuẩn Đô đốc", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá")}
RANK_RULE = "rules:rank before the name"
VISIT_RULE = "rules:the place visited before the visitor"
ETC_RULE = "rules:etc. closing the sentence"
# Constructions clean news never writes: measured over 210,000 corpus sentences (the first
# 200,000 of train.jsonl.gz, the dev file) with the rules applied to every sentence, they
# changed none. They repair a sentence whatever the detector's score (low-confidence there);
# a doubled function word is not among them (207 in those sentences, mostly people's typos).
SURE_RULES = (RANK_RULE, VISIT_RULE, ETC_RULE)
# a sentence none of them can touch (no rank, visit or "etc."), told before matching aliases
_SURE_HINT = re.compile(r"tướng|đô đốc|tá(?!\w)|chuyến|etc|vv", re.IGNORECASE)
# words of address before a name ("ông Lê Minh Hưng")
HONORIFICS = frozenset("ông bà ngài anh chị".split())
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
        if joined in ranks or joined in TITLES:
            continue  # "Thatcher Thủ tướng", "Hải Đại tướng": the name took the title's head
        head = text[: m.start()].rstrip().lower()
        if any(head.endswith(r) for r in ranks):
            continue  # already has a rank before it
        if m.group("name").split()[0].lower() in FUNCTION_WORDS:
            continue  # "Trong Nhân tướng học": a capitalised first word is no name
        if m.group("name").split()[0].lower() in HONORIFICS or (
                head.split() and head.split()[-1] in HONORIFICS):
            continue  # "ông X tướng": where the rank goes is the reviewer's call
        if f"{m.group('name').split()[-1]} {rank.split()[0]}".lower() in vi_compounds():
            continue  # "Phó Thủ tướng": the name's last word and the rank make one word
        fixed_name, inner = _applied(text, m.start("name"), m.end("name"), found)
        form = ranks[rank.lower()]
        if not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?:":
            form = form[:1].upper() + form[1:]
        why = "; ".join([RANK_RULE, *(f"{f.text} -> {f.canonical}: {f.source}"
                                                          for f in inner)])
        out.append(AliasMatch(m.start(), m.end(), m.group(), f"{form} {fixed_name}", "order",
                              why))
    return out


def leftover_matches(text: str) -> list[AliasMatch]:
    """Doubled function words and a closing "etc."/"vv." of ``text``."""
    out = []
    for m in _DOUBLE_RE.finditer(text):
        first, second = m.group(0).split()
        if (first.lower() in FUNCTION_WORDS and second.islower()
                and f"{first} {second}".lower() not in vi_compounds()):  # "từ từ" is a word
            out.append(AliasMatch(m.start(), m.end(), m.group(), m.group(1), "leftover",
                                  "rules:doubled function word"))
    tail = _ETC_RE.search(text)
    if tail:
        out.append(AliasMatch(tail.start(), tail.end(), tail.group(), ".", "leftover",
                              ETC_RULE))
    return out


def _applied(text: str, a: int, b: int, found: Sequence[AliasMatch],
             ) -> tuple[str, list[AliasMatch]]:
    """``text[a:b]`` with the matches of ``found`` inside it applied, and those matches."""
    inner = sorted((f for f in found if a <= f.start and f.end <= b), key=lambda f: f.start)
    pieces, pos = [], a
    for f in inner:
        pieces += [text[pos : f.start], f.canonical]
        pos = f.end
    return "".join(pieces) + text[pos:b], inner


# a visit and its qualifiers ("chuyến thăm chính thức")
_VISIT = r"chuyến (?:thăm|công du)(?: (?:chính thức|cấp nhà nước|làm việc|hữu nghị))?"
_VISIT_RE = re.compile(
    rf"(?<![\w-])(?P<head>(?i:{_VISIT})) của (?P<who>{_SYL}(?: [\w-]+){{1,11}}?) của "
    rf"(?P<place>{_SYL}(?: {_SYL}){{0,2}})(?![\w-])(?! {_SYL})")
_DESTINATION = re.compile(r",? (?:tới|đến|sang|tại|ở|thăm|qua)(?![\w-])")
TITLE_LOWERCASE = 3  # lowercase words a title and name may hold ("Bộ trưởng Ngoại giao X")
PLACE_MIN = 50  # "tại P" written this often in clean news makes P a place


def visit_order(text: str, found: Sequence[AliasMatch],
                place_count: Callable[[str], int]) -> list[AliasMatch]:
    """The Chinese-order possessive of a visit, "chuyến thăm của [title] [name] của [place]"
    (the visit of the minister of Korea, for "to Korea"): clean news writes the place after
    the visit, "chuyến thăm [place] của [title] [name]", and never a person's name followed by
    "của" and a place there. Taken when the person ends in a capitalised name and
    ``place_count("tại P")`` (how often clean news writes it) reaches ``PLACE_MIN``; the matches
    of ``found`` inside are applied."""
    out = []
    for m in _VISIT_RE.finditer(text):
        who = m.group("who")
        words = who.split()
        if " của " in f" {who} " or not words[-1][:1].isupper():
            continue  # the person ends in a capitalised name
        if sum(not w[:1].isupper() for w in words) > TITLE_LOWERCASE:
            continue  # a clause, not a title ("Ivanka Trump thể hiện mong muốn ... Mỹ")
        if any(c in who for c in ",.;:!?()\"“”"):
            continue
        if _DESTINATION.match(text, m.end()):
            continue  # "... Trump của Mỹ tới châu Á": the place is the visitor's, not visited
        place, inner_place = _applied(text, m.start("place"), m.end("place"), found)
        n = place_count(f"tại {place}")
        if n < PLACE_MIN:
            continue
        person, inner = _applied(text, m.start("who"), m.end("who"), found)
        why = "; ".join([f"{VISIT_RULE} ('tại {place}' {n} times in clean news)",
                         *(f"{f.text} -> {f.canonical}: {f.source}" for f in inner + inner_place)])
        out.append(AliasMatch(m.start(), m.end(), m.group(),
                              f"{m.group('head')} {place} của {person}", "order", why))
    return out


_PARTY_RE = re.compile(rf"(?<![\w-])(?i:giữa|cả) (?P<x>{_SYL}(?: {_SYL}){{0,3}}) (?:và|lẫn) "
                       rf"(?P=x)(?![\w-])")


def doubled_party(text: str) -> str:
    """A relation between a party and itself, "giữa X và X" / "cả X lẫn X": one X is a
    mistranslated other party (often "Việt Nam"), which no evidence here names, so nothing is
    deleted or guessed; the reason the reviewer should look ("" = none)."""
    m = _PARTY_RE.search(text)
    return f"doubled party: '{m.group()}' names one party twice" if m else ""


def may_be_sure(text: str) -> bool:
    """Whether a rule of ``SURE_RULES`` could match ``text``: every rank of ``RANKS`` and
    the known calques of one in ``configs/calques.tsv`` ("trên tướng") hold "tướng", "tá" or
    "đô đốc" (a calque of a rank without them is repaired in flagged sentences only); a
    visit, "chuyến"; the tail, "etc" or "vv"."""
    return _SURE_HINT.search(text) is not None

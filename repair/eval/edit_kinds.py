"""Kinds of reviewer edit built from the clean corpus, to measure learning from reviewers.

Each kind finds a correctly written construction in clean sentences and writes it the way a
machine translation gets it wrong; a reviewer's edit turns it back. Sentences are split
into a reviewers' pool and held-out sentences by *group*: the article, or for a word-order
kind the name itself, so that held-out sentences carry names no reviewed sentence had.

- ``phrase``: a phrase rewrite that shares words with its fix, "Bộ Ngoại giao Mỹ" written
  "Ngoại vụ Mỹ quốc" (外务 + 美国 read word by word);
- ``order``: a title after the name it belongs before, "Tổng thống Donald Trump" written
  "Donald Trump Tổng thống";
- ``word``: a one-word substitution, "máy tính" written "điện não" (电脑);
- ``deletion``: a word the machine adds that the reviewer deletes, "Bộ trưởng Quốc phòng
  Mỹ" written "Bộ trưởng Quốc phòng của Mỹ" (的); built after the mechanism, as a check on
  an edit kind nobody tuned on;
- ``premier``: "Thủ tướng Nguyễn Xuân Phúc" written "Nguyễn Xuân Phúc Thủ tướng", split by
  name like ``order`` (Vietnamese names too, whose syllables are ordinary words); built after
  the learned edit templates (repair.detect.templates), as a check nobody tuned on.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repair.errors import InputError
from repair.text import corpus_records

__all__ = ["EditKind", "KindSample", "KINDS", "build_kind"]

_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper() and c.isalpha())
_NAME_WORD = rf"[{_UPPER}][^\W\d_]*(?:-[^\W\d_]+)?"


@dataclass(frozen=True)
class EditKind:
    name: str
    pattern: re.Pattern  # the correct construction in a clean sentence
    corrupt: Callable[[re.Match], str]  # its machine-translated form
    by_name: bool = False  # held-out split by the matched group 1 (a name), not the article


def _order(m: re.Match) -> str:
    return f"{m.group(1)} {m.group(0)[: m.start(1) - m.start(0)].strip()}"


KINDS: dict[str, EditKind] = {
    "phrase": EditKind("phrase", re.compile(r"(?<!\w)Bộ Ngoại giao Mỹ(?!\w)"),
                       lambda m: "Ngoại vụ Mỹ quốc"),
    # the name: two or three capitalised words, then something that is not one
    "order": EditKind("order", re.compile(
        rf"(?<!\w)Tổng thống ({_NAME_WORD}(?: {_NAME_WORD}){{1,2}})(?![\w]| {_NAME_WORD})"),
        _order, by_name=True),
    "premier": EditKind("premier", re.compile(
        rf"(?<!\w)Thủ tướng ({_NAME_WORD}(?: {_NAME_WORD}){{1,2}})(?![\w]| {_NAME_WORD})"),
        _order, by_name=True),
    "word": EditKind("word", re.compile(r"(?<!\w)máy tính(?!\w)"), lambda m: "điện não"),
    "deletion": EditKind("deletion", re.compile(r"(?<!\w)Bộ trưởng Quốc phòng Mỹ(?!\w)"),
                         lambda m: "Bộ trưởng Quốc phòng của Mỹ"),
}


@dataclass
class KindSample:
    kind: str
    pool: list[tuple[str, str]] = field(default_factory=list)  # (machine, correct) to review
    held: list[tuple[str, str]] = field(default_factory=list)  # (machine, correct), held out
    pool_groups: set[str] = field(default_factory=set)
    held_groups: set[str] = field(default_factory=set)


def build_kind(kind: str, corpus: str | Path, n_pool: int = 100, n_held: int = 80,
               max_words: int = 40, held_share: int = 3, skip: int = 0) -> KindSample:
    """Up to ``n_pool`` reviewers' sentences and ``n_held`` held-out ones of ``kind`` from
    the clean ``corpus``, one construction per sentence; a group (article or name) goes to
    the held-out side when its hash is 0 modulo ``held_share``; for a kind split by name,
held-out sentences whose name shares a word with a reviewed one are left out. The first
    ``skip`` corpus sentences are passed over: what fine-tuning reads of the corpus (clean
    statistics, replay) then holds no held-out sentence."""
    if kind not in KINDS:
        raise InputError(f"unknown edit kind {kind!r}; one of {', '.join(KINDS)}")
    k = KINDS[kind]
    out = KindSample(kind)
    held_group: list[str] = []
    spare = 4 if k.by_name else 1  # held-out candidates to filter by name
    for n, obj in enumerate(corpus_records(Path(corpus))):
        if n < skip:
            continue
        text = obj["text"]
        if len(text.split()) > max_words:
            continue
        ms = list(k.pattern.finditer(text))
        if len(ms) != 1:
            continue
        m = ms[0]
        group = m.group(1) if k.by_name else obj["doc_id"]
        machine = text[: m.start()] + k.corrupt(m) + text[m.end() :]
        held = zlib.crc32(group.encode()) % held_share == 0
        if held and len(out.held) < n_held * spare:
            out.held.append((machine, text))
            held_group.append(group)
        elif not held and len(out.pool) < n_pool:
            out.pool.append((machine, text))
            out.pool_groups.add(group)
        if len(out.pool) >= n_pool and len(out.held) >= n_held * spare:
            break
    if k.by_name:  # held-out names share no word with a reviewed one
        seen = {w for g in out.pool_groups for w in g.split()}
        keep = [i for i, g in enumerate(held_group) if not seen & set(g.split())]
        out.held, held_group = [out.held[i] for i in keep], [held_group[i] for i in keep]
    out.held, out.held_groups = out.held[:n_held], set(held_group[:n_held])
    if not out.pool or not out.held:
        raise InputError(f"too few sentences of kind {kind!r} in the corpus", corpus)
    return out

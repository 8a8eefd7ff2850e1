"""Phrases reviewers always replace, learned from their edits so that detection learns too.

A fine-tuned rewriter can only repair what the detector flags. When reviewers fix the same
phrase again and again in sentences the detector passed ("Chủ tịch quốc gia" for "Chủ tịch
nước"), the phrase is written beside the new model as ``patterns.tsv`` (the known-calque
format, without a suggestion: the phrase is flagged, the model writes the repair), and
``repair run --rewriter NEW`` flags it on unseen text without anyone editing a config file.

A phrase is learned when reviewers replaced it at least ``min_count`` times, in at least
``min_share`` of the reviewed sentences containing it, and it is rare in clean text (at most
``max_per_million`` occurrences per million clean corpus sentences). Each edit offers its
changed words grown by up to ``max_context`` words on each side; the shortest phrase that
passes is taken ("quốc gia" is common Vietnamese, "Chủ tịch quốc gia" is not).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PatternSettings", "Pattern", "changed_regions", "mine_patterns", "write_patterns",
           "read_patterns", "PATTERNS_FILE"]

from repair.rewrite.model import PATTERNS_FILE

_TOKEN = re.compile(r"\S+")
_EDGE = ".,;:!?()\"'“”‘’«»[]…"


@dataclass(frozen=True)
class PatternSettings:
    min_count: int = 3
    min_share: float = 0.9
    max_per_million: float = 5.0
    max_context: int = 2
    clean_sentences: int = 200_000  # clean corpus sentences the rarity is measured on


@dataclass(frozen=True)
class Pattern:
    phrase: str  # the machine-text words reviewers replace
    replacement: str  # their most common replacement
    replaced: int  # reviewed sentences where it was replaced
    seen: int  # reviewed sentences containing it
    per_million: float  # occurrences per million clean sentences


def changed_regions(src: str, tgt: str) -> list[tuple[int, int, str]]:
    """Where ``tgt`` differs from ``src``, word by word: ``(start, end, replacement)`` in
    ``src`` offsets. An insertion or a deletion takes the word before it (or after, at the
    start), so every region marks at least one word and has a replacement, as synthetic
    duplications do."""
    a = [(m.start(), m.end()) for m in _TOKEN.finditer(src)]
    b = [(m.start(), m.end()) for m in _TOKEN.finditer(tgt)]
    sm = difflib.SequenceMatcher(a=[src[x:y] for x, y in a], b=[tgt[x:y] for x, y in b],
                                 autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if i1 == i2 or j1 == j2:  # an insertion or a deletion: absorb a neighbouring word
            if i1 > 0 and j1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            elif i2 < len(a) and j2 < len(b):
                i2, j2 = i2 + 1, j2 + 1
            if i1 == i2:
                continue
        rep = tgt[b[j1][0] : b[j2 - 1][1]] if j2 > j1 else ""
        out.append((a[i1][0], a[i2 - 1][1], rep))
    return out


def _candidates(src: str, start: int, end: int, max_context: int) -> list[list[str]]:
    """The changed words, then grown by 1, 2, ... words of context: one list per size."""
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(src)]
    inside = [i for i, (a, b) in enumerate(words) if a < end and start < b]
    if not inside:
        return []
    out: list[list[str]] = []
    for k in range(max_context + 1):
        size: list[str] = []
        for left in range(k + 1):
            i, j = inside[0] - left, inside[-1] + (k - left)
            if i < 0 or j >= len(words):
                continue
            phrase = src[words[i][0] : words[j][1]].strip(_EDGE)
            if phrase and phrase not in size:
                size.append(phrase)
        out.append(size)
    return out


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def mine_patterns(machine: Sequence[str], final: Sequence[str], clean: Sequence[str],
                  settings: PatternSettings = PatternSettings()) -> list[Pattern]:
    """Phrases the reviewers of ``machine`` -> ``final`` consistently replace that are rare
    in the ``clean`` sentences, most replaced first."""
    per_edit: list[list[list[str]]] = []  # candidates of each changed region, by size
    replaced: Counter = Counter()  # reviewed sentences where a phrase was replaced
    replacements: dict[str, Counter] = {}
    for src, tgt in zip(machine, final, strict=True):
        in_sentence: set[str] = set()
        for a, b, rep in changed_regions(src, tgt):
            sizes = _candidates(src, a, b, settings.max_context)
            per_edit.append(sizes)
            for phrase in (p for size in sizes for p in size):
                replacements.setdefault(phrase, Counter())[rep] += 1
                in_sentence.add(phrase)
        replaced.update(in_sentence)
    frequent = [p for p, n in replaced.items() if n >= settings.min_count]
    if not frequent:
        return []
    seen = {p: sum(_contains(t, p) for t in machine) for p in frequent}
    corpus = _corpus_counts(frequent, clean)
    n_clean = max(1, len(clean))
    chosen: dict[str, Pattern] = {}

    def passes(phrase: str) -> bool:
        return (phrase in seen and replaced[phrase] / max(1, seen[phrase]) >= settings.min_share
                and corpus[phrase] / n_clean * 1e6 <= settings.max_per_million)

    for sizes in per_edit:
        for size in sizes:  # the fewest words that pass; of those, the most replaced
            ok = [p for p in size if passes(p)]
            if ok:
                phrase = max(ok, key=lambda p: (replaced[p], p))
                chosen.setdefault(phrase, Pattern(
                    phrase, replacements[phrase].most_common(1)[0][0], replaced[phrase],
                    seen[phrase], round(corpus[phrase] / n_clean * 1e6, 2)))
                break
    return sorted(chosen.values(), key=lambda p: (-p.replaced, p.phrase))


def _corpus_counts(phrases: Sequence[str], clean: Sequence[str]) -> Counter:
    """Sentences of ``clean`` containing each phrase as whole words."""
    found: Counter = Counter()
    for p in phrases:
        found[p] = sum(1 for t in clean if p in t and _contains(t, p))
    return found


def write_patterns(patterns: Sequence[Pattern], path: str | Path,
                   inherited: Sequence[tuple[str, str]] = ()) -> Path:
    """``patterns`` (after the ``inherited`` rows of the parent model) as a known-calque file
    without suggestions (flagged, repaired by the model); each note says how often reviewers
    replaced the phrase and with what."""
    p = Path(path)
    lines = ["phrase\tsuggestion\tnote",
             "# Learned from reviewers' edits by `repair finetune` (repair.train.patterns): "
             "flagged by the detector, repaired by this model."]
    known = {phrase for phrase, _ in inherited}
    lines += [f"{phrase}\t\t{note}" for phrase, note in inherited]
    for pat in patterns:
        if pat.phrase in known:
            continue
        lines.append(f"{pat.phrase}\t\treplaced in {pat.replaced} of {pat.seen} reviewed "
                     f"sentences, most often by {pat.replacement!r}; "
                     f"{pat.per_million} per million clean sentences")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def read_patterns(path: str | Path) -> list[tuple[str, str]]:
    """(phrase, note) rows of a patterns file (to carry a parent's patterns forward)."""
    p = Path(path)
    rows = []
    for line in p.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            cols = line.split("\t")
            rows.append((cols[0], cols[2] if len(cols) > 2 else ""))
    return rows

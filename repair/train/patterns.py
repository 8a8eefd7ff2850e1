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

Edits are phrase edits (:mod:`repair.review.edits`): a phrase rewrite that keeps one of its
words ("Ngoại vụ Mỹ quốc" -> "Bộ Ngoại giao Mỹ") is one edit, not fragments, so the phrase
and its replacement are whole. When the reviewers agree on the replacement (at least
``min_suggest`` edits, ``min_agree`` of them the same text), the row carries it as its
``suggestion``: the phrase is then repaired like a known calque, deterministically, with
the counts as evidence; when they disagree, the suggestion stays empty and the model decides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PatternSettings", "Pattern", "changed_regions", "mine_patterns", "write_patterns",
           "read_patterns", "PATTERNS_FILE"]

from repair.review.edits import anchored, phrase_edits
from repair.rewrite.model import PATTERNS_FILE

_TOKEN = re.compile(r"\S+")
_EDGE = ".,;:!?()\"'“”‘’«»[]…"


@dataclass(frozen=True)
class PatternSettings:
    min_count: int = 3
    min_share: float = 0.9
    max_per_million: float = 5.0
    max_context: int = 2
    min_suggest: int = 5  # edits before a replacement is proposed deterministically ...
    min_agree: float = 0.9  # ... when this share of them wrote the same text
    clean_sentences: int = 200_000  # clean corpus sentences the rarity is measured on


@dataclass(frozen=True)
class Pattern:
    phrase: str  # the machine-text words reviewers replace
    replacement: str  # their most common replacement (of the whole phrase)
    replaced: int  # reviewed sentences where it was replaced
    seen: int  # reviewed sentences containing it
    per_million: float  # occurrences per million clean sentences
    agreed: int = 0  # edits that wrote ``replacement``
    suggestion: str = ""  # ``replacement`` when the reviewers agreed on it, else ""


def changed_regions(src: str, tgt: str) -> list[tuple[int, int, str]]:
    """Where ``tgt`` differs from ``src``, one region per phrase edit
    (:func:`repair.review.edits.phrase_edits`: close changes merged, a moved block with what
    it jumped over): ``(start, end, replacement)`` in ``src`` offsets. An insertion or a
    deletion takes the word before it (or after, at the start), so every region marks at
    least one word, as the detector marks words."""
    return [anchored(src, tgt, e) for e in phrase_edits(src, tgt)]


def _candidates(src: str, start: int, end: int, rep: str,
                max_context: int) -> list[list[tuple[str, str]]]:
    """The changed words, then grown by 1, 2, ... words of context: per size, the phrases
    with what the reviewer made of each (the context kept around the replacement)."""
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(src)]
    inside = [i for i, (a, b) in enumerate(words) if a < end and start < b]
    if not inside:
        return []
    out: list[list[tuple[str, str]]] = []
    for k in range(max_context + 1):
        size: list[tuple[str, str]] = []
        for left in range(k + 1):
            i, j = inside[0] - left, inside[-1] + (k - left)
            if i < 0 or j >= len(words):
                continue
            raw = src[words[i][0] : words[j][1]]
            phrase = raw.strip(_EDGE)
            pa = words[i][0] + (len(raw) - len(raw.lstrip(_EDGE)))
            pb = pa + len(phrase)
            if not phrase or pa > start or pb < end or any(p == phrase for p, _ in size):
                continue
            size.append((phrase, src[pa:start] + rep + src[end:pb]))
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
            sizes = _candidates(src, a, b, rep, settings.max_context)
            per_edit.append([[p for p, _ in size] for size in sizes])
            for phrase, made in (x for size in sizes for x in size):
                replacements.setdefault(phrase, Counter())[made] += 1
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
                if phrase not in chosen:
                    chosen[phrase] = _pattern(phrase, replacements[phrase], replaced[phrase],
                                              seen[phrase], corpus[phrase] / n_clean * 1e6,
                                              settings)
                break
    return sorted(chosen.values(), key=lambda p: (-p.replaced, p.phrase))


def _pattern(phrase: str, made: Counter, replaced: int, seen: int, per_million: float,
             settings: PatternSettings) -> Pattern:
    """The pattern of ``phrase`` with its replacement, a suggestion when reviewers agree."""
    (best, agreed), total = made.most_common(1)[0], sum(made.values())
    agree = (total >= settings.min_suggest and agreed >= settings.min_agree * total
             and bool(best.strip()))
    return Pattern(phrase, best, replaced, seen, round(per_million, 2), agreed,
                   best if agree else "")


def _corpus_counts(phrases: Sequence[str], clean: Sequence[str]) -> Counter:
    """Sentences of ``clean`` containing each phrase as whole words."""
    found: Counter = Counter()
    for p in phrases:
        found[p] = sum(1 for t in clean if p in t and _contains(t, p))
    return found


def write_patterns(patterns: Sequence[Pattern], path: str | Path,
                   inherited: Sequence[tuple[str, str, str]] = ()) -> Path:
    """``patterns`` (after the ``inherited`` rows of the parent model) as a known-calque file:
    a phrase with a suggestion is repaired like a known calque, one without it is flagged and
    repaired by the model; each note gives the reviewers' counts (the evidence)."""
    p = Path(path)
    lines = ["phrase\tsuggestion\tnote",
             "# Learned from reviewers' edits by `repair finetune` (repair.train.patterns): "
             "flagged by the detector; the suggestion, where reviewers agreed on one, is "
             "applied like a known calque, else this model writes the repair."]
    known = {phrase for phrase, _, _ in inherited}
    lines += [f"{phrase}\t{suggestion}\t{note}" for phrase, suggestion, note in inherited]
    for pat in patterns:
        if pat.phrase in known:
            continue
        lines.append(f"{pat.phrase}\t{pat.suggestion}\treplaced in {pat.replaced} of "
                     f"{pat.seen} reviewed sentences, {pat.agreed} times by "
                     f"{pat.replacement!r}; {pat.per_million} per million clean sentences")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def read_patterns(path: str | Path) -> list[tuple[str, str, str]]:
    """(phrase, suggestion, note) rows of a patterns file (to carry a parent's patterns
    forward)."""
    p = Path(path)
    rows = []
    for line in p.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            cols = line.split("\t") + ["", ""]
            rows.append((cols[0], cols[1], cols[2]))
    return rows

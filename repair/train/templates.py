"""Edit templates learned from reviewers: what they do to any name, not to the names they saw.

Each reviewer's correction is a phrase edit (:mod:`repair.review.edits`: close changes
merged, a moved block one edit). Its words become a template candidate (see
:mod:`repair.detect.templates`): a run of name words the reviewer carried over unchanged
becomes a ``{NAME}`` slot, a number carried over a ``{NUM}`` slot, the other words stay
literal. An edit next to a name (an insertion or a deletion beside it) is also offered
grown by that name. "Donald Trump Tổng thống" -> "Tổng thống Donald Trump" and "Vladimir
Putin Tổng thống" -> "Tổng thống Vladimir Putin" are then the same candidate, ``{NAME1}
Tổng thống -> Tổng thống {NAME1}``.

A candidate is then judged by what it would do, with the matcher that will apply it:

- on the reviewed machine sentences it matches (``seen``), how often its output is what the
  reviewer wrote there (``agreed``): applied when ``seen >= min_count`` and ``agreed >=
  min_agree * seen`` (the reviewers agree); otherwise it is kept as evidence only and the
  model decides, as for any reviewed phrase;
- on clean corpus sentences: the words a name slot had next to the literal words where the
  machine side matched correct text ("Tân Tổng thống", new president; "Ảnh: Reuters Tổng
  thống", a caption run into the sentence) are excluded from the slot, unless a reviewer's
  edit had them there (first part of the sentences); a machine side that still matches
  correct text more than ``max_per_million`` times per million sentences of the rest (not
  used for the exclusions) is never applied.

Correct text of the construction ("Tổng thống Donald Trump") does not match the machine
side, whose literal words are matched exactly. ``templates.json`` is written beside the new
model with every count; a parent's templates are carried forward.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.detect.templates import (
    TEMPLATES_FILE,
    NameWords,
    Template,
    TemplateSet,
    load_templates,
)
from repair.detect.tokens import token_kind
from repair.review.edits import PhraseEdit, Token, phrase_edits, tokens_of

__all__ = ["TemplateSettings", "edit_candidates", "mine_templates", "learn_templates"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemplateSettings:
    min_count: int = 5  # reviewed sentences the machine side matches before it is applied ...
    min_agree: float = 0.9  # ... when the reviewers wrote its output in this share of them
    # clean sentences matching the machine side, at most: as a context-free alias variant is
    # refused from 100 occurrences in the 653,767 corpus sentences (repair.aliases.counts)
    max_per_million: float = 100.0
    clean_sentences: int = 300_000  # clean corpus sentences: exclusions, then rarity
    fit_share: float = 2 / 3  # ... of which the first part gives the slot exclusions


def _runs(words: Sequence[str], names: NameWords) -> list[tuple[int, int]]:
    """Maximal runs ``[p, q)`` of name words."""
    out, p = [], None
    for k in range(len(words) + 1):
        is_name = k < len(words) and names(words, k)
        if is_name and p is None:
            p = k
        elif not is_name and p is not None:
            out.append((p, k))
            p = None
    return out


def _templatize(src: str, tgt: str, ta: list[Token], tb: list[Token], i1: int, i2: int,
                j1: int, j2: int, runs: list[tuple[int, int]],
                ) -> tuple[tuple[str, ...], str] | None:
    """The region ``ta[i1:i2]`` -> ``tb[j1:j2]`` with carried-over name runs and numbers as
    slots; None without a slot or without a literal word."""
    if i2 <= i1 or j2 <= j1:
        return None
    a, b = [t.text for t in ta], [t.text for t in tb]
    slots: list[tuple[int, int, int, int, str]] = []  # source [p, q), target [r, s), kind
    for p, q in runs:
        if i1 <= p and q <= i2:
            hits = [r for r in range(j1, j2 - (q - p) + 1) if b[r : r + q - p] == a[p:q]]
            if len(hits) == 1:
                slots.append((p, q, hits[0], hits[0] + q - p, "NAME"))
    for p in range(i1, i2):
        if token_kind(a[p]) == "number" and a[i1:i2].count(a[p]) == 1 \
                and b[j1:j2].count(a[p]) == 1:
            r = b.index(a[p], j1, j2)
            slots.append((p, p + 1, r, r + 1, "NUM"))
    if not slots:
        return None
    slots.sort()
    source: list[str] = []
    marks, k = {}, i1
    for n, (p, q, r, s, kind) in enumerate(slots, 1):
        source += a[k:p] + [f"{{{kind}{n}}}"]
        marks[(r, s)] = f"{{{kind}{n}}}"
        k = q
    source += a[k:i2]
    if not any(e[:1].isalnum() for e in source):
        return None
    pieces, pos = [], tb[j1].start
    for (r, s), mark in sorted(marks.items()):
        pieces += [tgt[pos : tb[r].start], mark]
        pos = tb[s - 1].end
    return tuple(source), "".join(pieces) + tgt[pos : tb[j2 - 1].end]


def edit_candidates(src: str, tgt: str, names: NameWords,
                    edits: Sequence[PhraseEdit] | None = None,
                    ) -> list[tuple[tuple[str, ...], str]]:
    """Template candidates of the edits turning ``src`` into ``tgt``: each edit grown to the
    whole name runs it cuts, and, where it has no slot, grown by the name (or number) next
    to it."""
    ta, tb = tokens_of(src), tokens_of(tgt)
    words = [t.text for t in ta]
    runs = _runs(words, names)
    numbers = [(k, k + 1) for k, w in enumerate(words) if token_kind(w) == "number"]
    out = []
    a, b = words, [t.text for t in tb]

    def unchanged(g: tuple[int, int, int, int], e: PhraseEdit) -> bool:  # grown over equals
        return (g[0] <= e.i1 and e.i2 <= g[1] and a[g[0] : e.i1] == b[g[2] : e.j1]
                and a[e.i2 : g[1]] == b[e.j2 : g[3]])

    for e in edits if edits is not None else phrase_edits(src, tgt):
        i1, i2, j1, j2 = e.i1, e.i2, e.j1, e.j2
        for p, q in runs:  # a name run cut by the edit is taken whole
            if p < i1 < q:
                j1, i1 = j1 - (i1 - p), p
            if p < i2 < q:
                j2, i2 = j2 + (q - i2), q
        grown = [(i1, i2, j1, j2)]
        for p, q in runs + numbers:
            if q == i1:  # the name just before the edit
                grown.append((p, i2, j1 - (q - p), j2))
            if p == i2:  # ... and just after it
                grown.append((i1, q, j1, j2 + (q - p)))
        for g in grown:
            if min(g) < 0 or g[3] > len(b) or not unchanged(g, e):
                continue
            cand = _templatize(src, tgt, ta, tb, *g, runs)
            if cand is not None:
                out.append(cand)
                break
    return out


def _agrees(text: str, final: str, start: int, rep: str, end: int) -> bool:
    """The reviewer's ``final`` has what the template wrote over ``text[start:end]``: no
    edit between the templated text and ``final`` touches it."""
    cand = text[:start] + rep + text[end:]
    lo, hi = start, start + len(rep)
    return not any(e.start < hi and lo < e.end if e.end > e.start else lo <= e.start <= hi
                   for e in phrase_edits(cand, final))


def mine_templates(machine: Sequence[str], final: Sequence[str], clean: Sequence[str],
                   name_stats: str | None, settings: TemplateSettings = TemplateSettings(),
                   ) -> list[Template]:
    """Templates of the reviewers' edits of ``machine`` -> ``final`` with their counts,
    those the reviewers agreed on and clean text does not match marked ``apply``; candidates
    matched in fewer than ``min_count`` reviewed sentences are left out."""
    names = NameWords(name_stats)
    cut = int(len(clean) * settings.fit_share)
    fit, check = clean[:cut], clean[cut:]
    made: dict[tuple[str, ...], Counter] = {}
    for src, tgt in zip(machine, final, strict=True):
        if src != tgt:
            for source, target in dict.fromkeys(edit_candidates(src, tgt, names)):
                made.setdefault(source, Counter())[target] += 1
    out = []
    for source, targets in made.items():
        (target, n_edits), = targets.most_common(1)
        if n_edits < settings.min_count:
            continue
        probe = TemplateSet([Template(source, target, apply=True)], name_stats)
        reviewed = {w for src, tgt in zip(machine, final, strict=True)
                    for m in probe.matches(src) if _agrees(src, tgt, m.start, m.replacement,
                                                           m.end) for w in m.edges}
        exclude = sorted({w for t in fit for m in probe.matches(t) for w in m.edges}
                         - reviewed)
        probe = TemplateSet([Template(source, target, apply=True, exclude=tuple(exclude))],
                            name_stats)
        seen = agreed = 0
        for src, tgt in zip(machine, final, strict=True):
            for m in probe.matches(src):
                seen += 1
                agreed += _agrees(src, tgt, m.start, m.replacement, m.end)
        if seen < settings.min_count:
            continue
        hits = sum(1 for t in check if probe.matches(t))
        per_million = round(hits / max(1, len(check)) * 1e6, 2)
        ok = agreed >= settings.min_agree * seen and per_million <= settings.max_per_million
        out.append(Template(source, target, sum(targets.values()), seen, agreed, per_million,
                            ok, tuple(exclude)))
    return sorted(out, key=lambda t: (-t.apply, -t.agreed, t.name))


def learn_templates(base: Path, out: Path, machine: Sequence[str], final: Sequence[str],
                    corpus: str, name_stats: str | None,
                    settings: TemplateSettings = TemplateSettings()) -> list[str]:
    """Write ``templates.json`` in ``out`` (the parent's templates, then those learned from
    ``machine`` -> ``final``, rarity measured on the clean ``corpus``); the names of the
    applied ones."""
    from repair import project_path
    from repair.text import corpus_sentences

    clean = corpus_sentences(project_path(corpus), limit=settings.clean_sentences)
    learned = mine_templates(machine, final, clean, name_stats, settings)
    parent = load_templates(str(base / TEMPLATES_FILE)).templates \
        if (base / TEMPLATES_FILE).exists() else []
    new = {t.source for t in learned}
    rows = [t for t in parent if t.source not in new] + learned
    if rows:
        out.mkdir(parents=True, exist_ok=True)
        TemplateSet(rows, _portable(name_stats)).save(out / TEMPLATES_FILE)
    log.info("learned %d edit template(s): %s", len(learned),
             json.dumps([f"{t.name} ({t.agreed}/{t.seen}{'' if t.apply else ', not applied'})"
                         for t in learned[:5]], ensure_ascii=False))
    return [t.name for t in rows if t.apply]


def _portable(path: str | None) -> str | None:
    """``path`` relative to the project root when it lies inside it (a model directory is
    copied between checkouts), else as given."""
    from repair import ROOT

    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(ROOT.resolve()))
    except ValueError:
        return path

"""What `repair finetune` learns for detection, and the spans it trains the rewriter on.

Besides the rewriter's weights, a fine-tuned model directory carries what the reviewers
taught the detector: the phrases they consistently replace (``patterns.tsv``,
:mod:`repair.train.patterns`) and a learned layer over the trained detector
(``detector_layer/``, :mod:`repair.detect.layer`) for edits whose words are not the same
each time (a title moved before whatever name it follows). Both are written before the
rewriter trains, so that its examples can use the spans the detector will mark at run time
(:func:`detected_spans`): the new model is asked about those spans, not about a diff's.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from repair import project_path
from repair.aliases import AliasTable
from repair.text import Segment, corpus_sentences
from repair.train.patterns import changed_regions

__all__ = ["learn_patterns", "learn_layer", "detected_spans", "marked_regions", "widened",
           "runtime_settings", "name_test", "name_slot_examples"]

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"\S+")


def runtime_settings(out: Path, run_settings):
    """``run_settings`` as ``repair run --rewriter OUT`` will see them: the learned phrases
    and layer of ``out`` in force."""
    from repair.pipeline import with_model_directory

    return with_model_directory(dataclasses.replace(
        run_settings, rewrite=dataclasses.replace(run_settings.rewrite, model=str(out))))


def learn_patterns(base: Path, out: Path, machine: Sequence[str], final: Sequence[str],
                   corpus: str, suggestions: bool = True) -> list[str]:
    """Write ``patterns.tsv`` in ``out``: the parent's phrases and those the reviewers of
    ``machine`` -> ``final`` consistently replace (see :mod:`repair.train.patterns`)."""
    from repair.train.patterns import (
        PATTERNS_FILE,
        PatternSettings,
        mine_patterns,
        read_patterns,
        write_patterns,
    )

    ps = PatternSettings() if suggestions else PatternSettings(min_suggest=10**9)
    clean = corpus_sentences(project_path(corpus), limit=ps.clean_sentences)
    learned = mine_patterns(machine, final, clean, ps)
    inherited = read_patterns(base / PATTERNS_FILE) if (base / PATTERNS_FILE).exists() else []
    if learned or inherited:
        out.mkdir(parents=True, exist_ok=True)
        write_patterns(learned, out / PATTERNS_FILE, inherited)
    log.info("learned %d phrase(s) for detection: %s", len(learned),
             ", ".join(f"{p.phrase} -> {p.suggestion or '(model)'}" for p in learned[:5]))
    return [p for p, _, _ in inherited] + [p.phrase for p in learned]


def learn_layer(out: Path, machine: Sequence[str], final: Sequence[str], run_settings,
                aliases: AliasTable, corpus: str, lineage: dict, layer_settings=None) -> dict:
    """Train and save the detection layer of ``out`` from reviewed ``machine`` -> ``final``
    texts (words inside phrase edits positive; unchanged words, the final texts and clean
    ``corpus`` sentences negative); its figures, or {} without a trained detector or with too
    few edits."""
    from repair.detect.layer import LayerSettings, train_layer
    from repair.detect.model import load_detector
    from repair.detect.rules import RuleDetector
    from repair.rewrite.model import LAYER_DIR

    if run_settings is None or not run_settings.detect.model:
        return {}
    ls = layer_settings or LayerSettings()
    detector = load_detector(run_settings.detect.model)
    rules = RuleDetector(run_settings.detect, aliases)
    edited = [[(a, b) for a, b, _ in changed_regions(m, f)] for m, f in
              zip(machine, final, strict=True)]
    correct = [f for m, f in zip(machine, final, strict=True) if f != m]
    clean = corpus_sentences(project_path(corpus), max_words=40, limit=ls.clean_sentences)
    layer = train_layer(machine, edited, correct, clean, detector, rules, ls,
                        {**lineage, "detector": detector.version})
    if layer is None:
        return {}
    layer.save(out / LAYER_DIR)
    return layer.info


def detected_spans(texts: Sequence[str], out: Path, run_settings, aliases: AliasTable,
                   table: AliasTable) -> list[list[tuple[int, int, str]]]:
    """Per text, the spans the model will be asked about at run time with the new model
    directory (its learned phrases and layer in force), in the text's own offsets."""
    from repair.detect import detect
    from repair.rewrite.entities import protect
    from repair.rewrite.propose import fixed_matches, model_spans

    if run_settings is None:
        return [[] for _ in texts]
    s = runtime_settings(out, run_settings)
    segs = [Segment(f"ft{i}", f"ft{i}", t, 0, len(t), 0) for i, t in enumerate(texts)]
    found = []
    for det in detect(segs, s.detect, aliases):
        prot = protect(det.segment.text, table, fixed_matches(det.segment.text, table))
        found.append(model_spans(det, prot) if det.flagged and prot is not None else [])
    return found


def marked_regions(text: str, regions: Sequence[tuple[int, int, str]],
                   marks: Sequence[tuple[int, int, str]], category: str,
                   ) -> list[tuple[int, int, str, str]]:
    """The reviewer's regions of ``text`` as the detector marks them: each region grown to
    the detector spans that overlap it, regions that fall in one span joined, with the
    span's category (``category`` where the detector marks nothing there):
    ``(start, end, repair, category)``."""
    items = sorted([(a, b, 0, rep) for a, b, rep in regions]
                   + [(a, b, 1, cat) for a, b, cat in marks
                      if any(a < y and x < b for x, y, _ in regions)])
    clusters: list[list[tuple[int, int, int, str]]] = []
    for it in items:
        if clusters and it[0] < max(x[1] for x in clusters[-1]):
            clusters[-1].append(it)
        else:
            clusters.append([it])
    out = []
    for cl in clusters:
        regs = sorted((a, b, rep) for a, b, k, rep in cl if k == 0)
        if not regs:
            continue
        na, nb = min(x[0] for x in cl), max(x[1] for x in cl)
        pieces, pos = [], na
        for a, b, rep in regs:
            pieces += [text[pos:a], rep]
            pos = b
        cats = [c for _, _, k, c in cl if k == 1]
        out.append((na, nb, "".join(pieces) + text[pos:nb], cats[0] if cats else category))
    return out


def widened(text: str, a: int, b: int, rep: str, regions, rng: random.Random):
    """The region grown by 1-2 unchanged words on one or both sides, and its repair: the
    detector's span rarely matches the reviewer's change word for word."""
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    left = [w for w in words if w[1] <= a and not any(x < w[1] and w[0] < y
                                                        for x, y, _ in regions)]
    right = [w for w in words if w[0] >= b and not any(x < w[1] and w[0] < y
                                                         for x, y, _ in regions)]
    kl, kr = rng.choice(((1, 0), (0, 1), (1, 1), (2, 0), (0, 2)))
    na = left[-kl][0] if kl and len(left) >= kl and left[-kl][0] < a else a
    nb = right[kr - 1][1] if kr and len(right) >= kr else b
    if (na, nb) == (a, b) or any(x < a and na < y for x, y, _ in regions) \
            or any(x >= b and x < nb for x, y, _ in regions):
        return None
    return na, nb, text[na:a] + rep + text[b:nb]


def name_test(stats) -> Callable[[str], bool]:
    """Whether a token is a name word: capitalised, and written in lowercase in clean text
    (the detector's counts ``stats``) less than a fifth of the time ("Trump" is, "Tổng"
    is not: "tổng" is an ordinary word)."""
    def is_name(w: str) -> bool:
        if not w[:1].isupper() or not w.isalpha():
            return False
        low = w.lower()
        return stats.unigrams.get(low, 0) < 0.2 * max(stats.lower.get(low, 0), 1)
    return is_name


def _name_runs(words: Sequence[str], is_name: Callable[[str], bool]) -> list[str]:
    runs, cur = [], []
    for w in [*words, ""]:
        if w and is_name(w):
            cur.append(w)
        elif cur:
            runs.append(" ".join(cur))
            cur = []
    return runs


def name_slot_examples(examples: Sequence, sentences: Sequence[str], is_name: Callable[[str], bool],
                       per_example: int, seed: int = 0) -> list:
    """More repair examples where a name the edit carries over unchanged (in the marked span
    and in the repair: the name a title moves around) is swapped for names from clean
    ``sentences``: the model learns the construction, not the names reviewers happened to
    see (as LaserTagger and Felix learn edit operations, not strings)."""
    from repair.rewrite.spans import marked_span

    rng = random.Random(seed)
    pool = sorted({r for s in sentences for r in _name_runs(s.split()[1:], is_name)
                   if len(r.split()) <= 3})
    out = []
    for e in examples if pool else ():
        runs = [r for r in _name_runs(marked_span(e.source).split(), is_name) if r in e.target]
        if not runs:
            continue
        slot = max(runs, key=len)
        for _ in range(per_example):
            name = rng.choice(pool)
            out.append(dataclasses.replace(e, source=e.source.replace(slot, name),
                                           target=e.target.replace(slot, name)))
    return out

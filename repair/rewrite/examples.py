"""Training examples for the span rewriter: (window with a marked span, the span's repair).

Repair examples come from the synthetic generator (:mod:`repair.synth`), which knows each
corruption's exact span and original. Keep examples (target = the marked text itself) teach
the model to leave correct text alone: random word spans of clean sentences, and the spans the
detector marks on clean corpus sentences (its real false positives). Spans are widened by 0-2
words at random, so the model also sees imperfect span boundaries and word order at the edges.
Names are protected as inference protects them: name runs become entity placeholders, and an
unprotected pinyin or calqued name is a keep example (resolving names needs knowledge the
model does not have).

Example ``g`` of the stream is a pure function of ``g`` (sentence ``perm_epoch[g % n]``, RNG
seeded by ``(seed, epoch, g % n)``), so a run resumes at its exact data position.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from repair.rewrite.spans import TAGS, make_window
from repair.rewrite.tokenizer import placeholder
from repair.text import corpus_sentences

__all__ = ["SpanExample", "SpanStream", "name_runs", "protect_pair", "detector_negatives",
           "heldout_examples", "NAME_FAMILIES", "random_span"]


NAME_FAMILIES = ("pinyin", "calque_name")
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = ".,;:!?()\"'“”‘’«»[]…"


@dataclass(frozen=True)
class SpanExample:
    source: str  # the model input (window with the marked span)
    target: str  # the span's repair (the marked text itself for keep examples)
    category: str  # synthetic family; for keep examples "keep:detector" (a span the detector
    # marks on a clean sentence) or "keep:random" (random words under a random tag)
    kind: str  # "repair" | "keep"


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    category: str
    target: str


def name_runs(text: str) -> list[tuple[int, int]]:
    """Spans of runs of two or more capitalised words joined by single spaces."""
    out, run = [], []
    for m in _WORD.finditer(text):
        if m.group()[0].isupper() and (not run or text[run[-1][1] : m.start()] == " "):
            run.append((m.start(), m.end()))
            continue
        if len(run) >= 2:
            out.append((run[0][0], run[-1][1]))
        run = [(m.start(), m.end())] if m.group()[0].isupper() else []
    if len(run) >= 2:
        out.append((run[0][0], run[-1][1]))
    return out


def protect_pair(pair, rng: random.Random, name_prob: float, run_prob: float):
    """The corrupted sentence with names as placeholders, and its remaining edits.

    Corrupted names become placeholders with probability ``name_prob`` (an alias table that
    knows them); other capitalised name runs with ``run_prob`` (canonical names). Returns
    ``(text, edits)`` with edit offsets in the returned text.
    """
    src = pair.corrupted
    items = []  # (start, end, protect, category, target)
    for s in pair.spans:
        protect = s.category in NAME_FAMILIES and rng.random() < name_prob
        target = s.text if s.category in NAME_FAMILIES else s.original
        items.append((s.start, s.end, protect, s.category, target))
    for a, b in name_runs(src):
        if not any(a < e and s < b for s, e, *_ in items) and rng.random() < run_prob:
            items.append((a, b, True, "", ""))
    items.sort()
    parts: list[str] = []
    edits: list[_Edit] = []
    pos, k, length = 0, 0, 0
    for start, end, protect, cat, target in items:
        parts.append(src[pos:start])
        length += start - pos
        if protect and k < 16:
            piece = placeholder(k)
            k += 1
        else:
            piece = src[start:end]
            if cat:
                edits.append(_Edit(length, length + len(piece), cat, target))
        parts.append(piece)
        length += len(piece)
        pos = end
    parts.append(src[pos:])
    return "".join(parts), edits


def _widen(text: str, edit: _Edit, edits: list[_Edit], rng: random.Random) -> _Edit:
    """The edit grown by 0-2 words on each side, covering any edit it then touches."""
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    a, b = edit.start, edit.end
    left = [w for w in words if w[1] <= a]
    right = [w for w in words if w[0] >= b]
    kl, kr = rng.choice((0, 0, 0, 1, 2)), rng.choice((0, 0, 0, 1, 2))
    if kl and left:
        a = left[max(0, len(left) - kl)][0]
    if kr and right:
        b = right[min(len(right), kr) - 1][1]
    while True:
        touched = [e for e in edits if e.start < b and a < e.end and (e.start < a or e.end > b)]
        if not touched:
            break
        a = min([a] + [e.start for e in touched])
        b = max([b] + [e.end for e in touched])
    pieces, pos = [], a
    for e in sorted(edits, key=lambda x: x.start):
        if a <= e.start and e.end <= b:
            pieces += [text[pos : e.start], e.target]
            pos = e.end
    pieces.append(text[pos:b])
    return _Edit(a, b, edit.category, "".join(pieces))


def random_span(text: str, rng: random.Random) -> tuple[int, int] | None:
    """A random run of 1-3 words, without punctuation at its edges and not a placeholder."""
    words = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if not words:
        return None
    for _ in range(4):
        n = rng.choice((1, 1, 2, 2, 3))
        i = rng.randrange(len(words))
        a, b = words[i][0], words[min(len(words), i + n) - 1][1]
        while a < b and text[a] in _EDGE_PUNCT:
            a += 1
        while b > a and text[b - 1] in _EDGE_PUNCT:
            b -= 1
        if b > a and "<ent" not in text[a:b]:
            return a, b
    return None


class SpanStream:
    """The deterministic stream of span examples over clean sentences.

    ``negatives`` are ``(sentence, start, end, category)`` spans the detector marks on clean
    sentences. ``keep_rate`` of the examples are keep examples (``negative_share`` of them
    detector spans when there are any); the rest repair one corruption of a synthetic pair.
    """

    def __init__(self, sentences: list[str], negatives: list[tuple[str, int, int, str]], *,
                 seed: int = 0, synth_seed: int = 0, keep_rate: float = 0.3,
                 context_words: int = 6, name_prob: float = 0.8, run_prob: float = 0.3,
                 tag_dropout: float = 0.1, negative_share: float = 0.5):
        from repair.synth import Synthesizer, SynthSettings

        self.sentences, self.negatives = sentences, negatives
        self.seed, self.synth_seed = seed, synth_seed
        self.keep_rate, self.context_words = keep_rate, context_words
        self.name_prob, self.run_prob, self.tag_dropout = name_prob, run_prob, tag_dropout
        self.negative_share = negative_share
        self.synth = Synthesizer(SynthSettings(seed=synth_seed, rate=1.0, substitute_names=False))
        self._epoch, self._perm = -1, list[int]()

    def _tag(self, category: str, rng: random.Random) -> str:
        return "unk" if rng.random() < self.tag_dropout else category

    def _keep(self, text: str, rng: random.Random) -> SpanExample | None:
        if self.negatives and rng.random() < self.negative_share:
            sent, a, b, cat = self.negatives[rng.randrange(len(self.negatives))]
            w = make_window(sent, a, b, self._tag(cat, rng), self.context_words)
            return SpanExample(w.source, w.span, "keep:detector", "keep")
        span = random_span(text, rng)
        if span is None:
            return None
        cat = self._tag(rng.choice(TAGS[:-1]), rng)
        w = make_window(text, span[0], span[1], cat, self.context_words)
        return SpanExample(w.source, w.span, "keep:random", "keep")

    def example(self, g: int) -> SpanExample:
        """The ``g``-th example of the stream."""
        n = len(self.sentences)
        epoch, k = divmod(g, n)
        if epoch != self._epoch:
            self._perm = list(range(n))
            random.Random(f"{self.seed}:perm:{epoch}").shuffle(self._perm)
            self._epoch = epoch
        rng = random.Random(f"{self.synth_seed}:{epoch}:{k}")
        sentence = self.sentences[self._perm[k]]
        if rng.random() >= self.keep_rate:
            pair = self.synth.corrupt(sentence, rng)
            text, edits = protect_pair(pair, rng, self.name_prob, self.run_prob)
            if edits:
                e = _widen(text, rng.choice(edits), edits, rng)
                w = make_window(text, e.start, e.end, self._tag(e.category, rng),
                                self.context_words)
                # the target's placeholders in the window's numbering
                local = {p: f"<ent{i}>" for i, p in enumerate(w.placeholders)}
                target = re.sub(r"<ent\d+>", lambda m: local.get(m.group(), m.group()),
                                e.target)
                kind = "keep" if target == w.span else "repair"
                return SpanExample(w.source, target, e.category, kind)
            text = sentence
        else:
            text = sentence
        ex = self._keep(text, rng)
        # a sentence with no usable word: the next example instead
        return ex if ex is not None else self.example(g + 1)


def detector_negatives(sentences: list[str], detect_settings, aliases,
                       ) -> list[tuple[str, int, int, str]]:
    """Every span the detector marks on these (clean) sentences, flagged or not."""
    from repair.detect import detect
    from repair.text import Segment

    segs = [Segment(str(i), "clean", t, 0, len(t), i) for i, t in enumerate(sentences)]
    out = []
    for det in detect(segs, detect_settings, aliases):
        for s in det.spans:
            if s.category != "alias" and s.end > s.start:
                out.append((det.segment.text, s.start, s.end, s.category))
    return out


def heldout_examples(dev_corpus: str | Path, n: int, seed: int, detect_settings=None,
                     aliases=None, skip: int = 0, *, max_words: int = 40,
                     **stream: float) -> list[SpanExample]:
    """``n`` span examples from the dev corpus (articles never trained on), tags intact,
    from its sentences after the first ``skip``; with detector settings, half the keep
    examples are the detector's spans on clean dev sentences (``keep:detector``), the other
    half random words under a random tag (``keep:random``). ``stream``: the example recipe
    (:class:`SpanStream` options: ``context_words``, ``keep_rate``, ...)."""
    sents = corpus_sentences(Path(dev_corpus), max_words=max_words,
                             limit=skip + max(n * 4, 4000))[skip:]
    pool, negatives = sents, []
    if detect_settings is not None and len(sents) > 2000:
        pool, tail = sents[:-2000], sents[-2000:]
        negatives = detector_negatives(tail, detect_settings, aliases)
    s = SpanStream(pool, negatives, seed=seed, synth_seed=seed, **{**stream, "tag_dropout": 0.0})
    return [s.example(g) for g in range(n)]

"""Learned edit templates: a reviewers' edit with slots, applied to words no reviewer saw.

A literal phrase (``patterns.tsv``) repairs only the words reviewers saw. Reviewers who move
"Tổng thống" before a different name each time ("Donald Trump Tổng thống" -> "Tổng thống
Donald Trump") agree on an edit *operation* over a name, as LaserTagger, Felix and GECToR
learn edit operations rather than strings. A template is that operation: the machine side as
literal words and slots, the reviewers' side as literal words and the same slots::

    {NAME1} Tổng thống  ->  Tổng thống {NAME1}

Slots are word kinds the project already has:

- ``NAME``: a run of capitalised words (at most ``MAX_NAME`` words), as a name stands in
  Vietnamese text. The words that open a name run without being part of it (``ông``, ``Phó``,
  titles: :data:`repair.detect.names._TITLE_WORDS`) are not name words, and a word that
  begins a sentence is one only when clean news rarely writes it in lower case (the name
  statistics, ``models/names/name_stats.tsv.gz``), so "Cựu" and "Ông" stay out. A slot is
  maximal: the word before it (or after it, when it ends the template) is no name word;
- ``NUM``: one number token (:func:`repair.detect.tokens.token_kind` ``number``).

Literal words are matched exactly (case too), so the correct order ("Tổng thống Donald
Trump") never matches the machine side. Templates are learned by ``repair finetune``
(:mod:`repair.train.templates`) and written beside the model as ``templates.json`` with the
reviewers' counts; ``repair run --rewriter NEW`` flags their matches (spans of category
``learned`` with the template as evidence) and proposes their repair like a known calque
(replacement type ``template``, the counts in its source).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.aliases import AliasMatch
from repair.detect.base import Span
from repair.detect.names import _TITLE_WORDS
from repair.detect.tokens import token_kind
from repair.errors import ModelError

__all__ = ["Template", "TemplateSet", "TemplateMatch", "load_templates", "slot_of", "edge_words",
           "NameWords", "TEMPLATES_FILE", "SLOT_KINDS", "MAX_NAME", "TOKEN_RE"]

log = logging.getLogger(__name__)

TEMPLATES_FILE = "templates.json"  # beside a fine-tuned model's patterns.tsv
SLOT_KINDS = ("NAME", "NUM")
MAX_NAME = 5  # words in a name slot
# the tokens of repair.review.edits (words, punctuation marks, placeholders whole)
TOKEN_RE = re.compile(r"<ent\d+>|\{(?:NAME|NUM)\d+\}|[^\W_]+(?:['’\-.][^\W_]+)*|[^\w\s]|_")
_SLOT_RE = re.compile(r"\{(NAME|NUM)(\d+)\}")
_SENTENCE_OPENERS = frozenset('.!?:;"“”‘’«»()[]-–—…')
_START_NAME_SHARE = 0.5  # a sentence-initial word is a name word below this lower-case share


def slot_of(element: str) -> str | None:
    """``NAME``/``NUM`` for a slot element (``{NAME1}``), None for a literal word."""
    m = _SLOT_RE.fullmatch(element)
    return m.group(1) if m else None


class NameWords:
    """Which tokens of a sentence are name words (see the module docstring)."""

    def __init__(self, stats_path: str | None):
        self.stats = None
        if stats_path:
            from repair import project_path
            from repair.detect.names import load_name_stats

            p = project_path(stats_path)
            if Path(p).exists():
                self.stats = load_name_stats(p)

    def __call__(self, toks: Sequence[str], k: int) -> bool:
        w = toks[k]
        if not w[:1].isupper() or not w.replace("-", "").replace("'", "").isalpha():
            return False
        if w.lower() in _TITLE_WORDS:
            return False
        if k == 0 or toks[k - 1] in _SENTENCE_OPENERS:
            if self.stats is None:
                return False
            seen, lower = self.stats.words.get(w.lower(), (0, 0))
            return lower < _START_NAME_SHARE * max(seen, 1)
        return True


@dataclass(frozen=True)
class Template:
    source: tuple[str, ...]  # machine-side tokens: literal words and slots ({NAME1})
    target: str  # the reviewers' text, slots marked
    edits: int = 0  # reviewers' edits that wrote this template
    seen: int = 0  # reviewed sentences where the machine side matched
    agreed: int = 0  # ... where the reviewer wrote what the template writes
    per_million: float = 0.0  # clean corpus sentences matching the machine side, per million
    apply: bool = False  # the reviewers agreed (the template repairs); else evidence only
    # words a name slot may not have next to the template's literal words: the slot fillers
    # the machine side matched in clean text ("Tân Tổng thống": "Tân" is no name)
    exclude: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{' '.join(self.source)} -> {self.target}"

    @property
    def evidence(self) -> str:
        return (f"learned template '{self.name}' (reviewers: wrote it in {self.agreed} of "
                f"{self.seen} reviewed sentences matching it; {self.per_million} per million "
                f"clean sentences)")


@dataclass(frozen=True)
class TemplateMatch:
    start: int
    end: int
    replacement: str
    template: Template
    edges: tuple[str, ...] = ()  # the name slots' words next to literal words


class TemplateSet:
    """Templates to match in text, most specific first (more literal words, longer)."""

    def __init__(self, templates: Sequence[Template], name_stats: str | None,
                 origin: str = ""):
        self.templates = sorted(templates, key=lambda t: (
            -sum(slot_of(e) is None for e in t.source), -len(t.source), t.name))
        self.name_stats = name_stats
        self.origin = origin
        self.names = NameWords(name_stats)
        self._correct: TemplateSet | None = None

    def __len__(self) -> int:
        return len(self.templates)

    def matches(self, text: str, found: Sequence[AliasMatch] = (),
                applied_only: bool = True) -> list[TemplateMatch]:
        """Non-overlapping matches in ``text``, most specific template first, then left to
        right; a match that cuts through one of ``found`` (alias or calque matches) or lies
        inside one (a literal row is more specific) is dropped, the ones inside it are
        applied to the slot text."""
        toks = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
        words = [t for t, _, _ in toks]
        out: list[TemplateMatch] = []
        for tpl in self.templates:
            if applied_only and not tpl.apply:
                continue
            literals = [e for e in tpl.source if slot_of(e) is None]
            if any(w not in text for w in literals):
                continue
            for i in range(len(toks)):
                got = self._match(words, i, tpl.source, 0, {})
                if got is None or _excluded(tpl, words, got[1]):
                    continue
                end, slots = got
                a, b = toks[i][1], toks[end - 1][2]
                if any(a < m.end and m.start < b and not (a <= m.start and m.end <= b)
                       or m.start <= a and b <= m.end for m in found) \
                        or any(a < o.end and o.start < b for o in out):
                    continue
                rep = _SLOT_RE.sub(lambda s, slots=slots, toks=toks: _splice(
                    text, toks[slots[s.group()][0]][1], toks[slots[s.group()][1] - 1][2],
                    found), tpl.target)
                head = text[:a].rstrip()
                if (not head or head[-1] in ".!?:") and rep[:1].islower():
                    rep = rep[:1].upper() + rep[1:]
                out.append(TemplateMatch(a, b, rep, tpl, tuple(edge_words(tpl, words, slots))))
        return sorted(out, key=lambda m: m.start)

    def _match(self, words: list[str], i: int, elems: Sequence[str], e: int,
               slots: dict[str, tuple[int, int]]) -> tuple[int, dict] | None:
        if e == len(elems):
            return i, slots
        elem, kind = elems[e], slot_of(elems[e])
        if kind is None:
            if i < len(words) and words[i] == elem:
                return self._match(words, i + 1, elems, e + 1, slots)
            return None
        if kind == "NUM":
            if i < len(words) and token_kind(words[i]) == "number":
                return self._match(words, i + 1, elems, e + 1, {**slots, elem: (i, i + 1)})
            return None
        if e == 0 and i > 0 and self.names(words, i - 1):
            return None  # a name slot is the whole run: it starts where the run starts
        n = 0
        while i + n < len(words) and n < MAX_NAME + 1 and self.names(words, i + n):
            n += 1
        if n > MAX_NAME:
            return None
        for length in range(n, 0, -1):
            if e == len(elems) - 1 and length < n:
                return None  # ... and ends where it ends
            got = self._match(words, i + length, elems, e + 1, {**slots, elem: (i, i + length)})
            if got is not None:
                return got
        return None

    def correct_ranges(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` has the reviewers' side of an applied template ("Tổng thống
        Donald Trump"): text reviewers agreed is right, which the learned layer does not flag
        (:mod:`repair.detect.model`)."""
        if self._correct is None:
            self._correct = TemplateSet(
                [Template(tuple(TOKEN_RE.findall(t.target)), t.target, apply=True)
                 for t in self.templates if t.apply and TOKEN_RE.findall(t.target)],
                self.name_stats)
            self._correct._correct = TemplateSet([], None)
        return [(m.start, m.end) for m in self._correct.matches(text)]

    def spans(self, text: str) -> list[Span]:
        """Detector spans of category ``learned`` over the matches, the template as evidence."""
        return [Span(m.start, m.end, "learned", text[m.start:m.end], 0.95,
                     evidence=m.template.evidence) for m in self.matches(text)]

    def alias_matches(self, text: str, found: Sequence[AliasMatch] = ()) -> list[AliasMatch]:
        """The matches as deterministic repairs (type ``template``, the evidence as source)."""
        return [AliasMatch(m.start, m.end, text[m.start:m.end], m.replacement, "template",
                           f"{self.origin}: {m.template.evidence}")
                for m in self.matches(text, found)]

    def to_json(self) -> dict:
        return {"name_stats": self.name_stats, "slot_kinds": list(SLOT_KINDS),
                "templates": [{"source": list(t.source), "target": t.target, "edits": t.edits,
                               "seen": t.seen, "agreed": t.agreed,
                               "per_million": t.per_million, "apply": t.apply,
                               "exclude": list(t.exclude)}
                              for t in self.templates]}

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n",
                     encoding="utf-8")
        return p


def _excluded(tpl: Template, words: Sequence[str], slots: dict[str, tuple[int, int]]) -> bool:
    """A name slot's word next to a literal word of the template is one of its exclusions."""
    if not tpl.exclude:
        return False
    return any(w in tpl.exclude for w in edge_words(tpl, words, slots))


def edge_words(tpl: Template, words: Sequence[str],
               slots: dict[str, tuple[int, int]]) -> list[str]:
    """The words of the name slots of a match that stand next to a literal word."""
    out = []
    for k, e in enumerate(tpl.source):
        if slot_of(e) != "NAME":
            continue
        a, b = slots[e]
        if k + 1 < len(tpl.source) and slot_of(tpl.source[k + 1]) is None:
            out.append(words[b - 1])
        if k > 0 and slot_of(tpl.source[k - 1]) is None:
            out.append(words[a])
    return out


def _splice(text: str, a: int, b: int, found: Sequence[AliasMatch]) -> str:
    """``text[a:b]`` with the matches of ``found`` inside it applied."""
    pieces, pos = [], a
    for m in sorted((m for m in found if a <= m.start and m.end <= b), key=lambda m: m.start):
        pieces += [text[pos:m.start], m.canonical]
        pos = m.end
    return "".join(pieces) + text[pos:b]


@functools.lru_cache(maxsize=16)
def load_templates(path: str) -> TemplateSet:
    """The templates of a ``templates.json`` (``repair finetune`` writes it)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        rows = [Template(tuple(r["source"]), r["target"], int(r.get("edits", 0)),
                         int(r.get("seen", 0)), int(r.get("agreed", 0)),
                         float(r.get("per_million", 0.0)), bool(r.get("apply", False)),
                         tuple(r.get("exclude", ())))
                for r in data["templates"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"unreadable learned templates ({exc}); rerun `repair finetune` or "
                         "delete the file", p) from exc
    for k, r in enumerate(rows):
        slots = {e for e in r.source if slot_of(e)}
        used = {m.group() for m in _SLOT_RE.finditer(r.target)}
        if not slots or used - slots:
            raise ModelError(f"template {k + 1} ({r.name!r}) has no slot on its machine side, "
                             "or its target uses a slot the machine side lacks; rerun "
                             "`repair finetune` or delete the file", p)
    return TemplateSet(rows, data.get("name_stats"), p.name)

"""Proposals: one per segment; flagged segments get a repair, the others stay as they are.

Deterministic first: every alias variant becomes its canonical form, every known calque with a
suggestion (``rewrite.calques``) becomes the suggestion, and English dates take their
Vietnamese form (``alias-v1``). With a span
rewriter (``rewrite.model``), each flagged span that is not an alias or calque is then given
to the model in a short window (see :mod:`repair.rewrite.spans`), entities as placeholders;
the model's repair replaces the span only when it beats keeping it, keeps every placeholder
of the span, and passes the guard. The repaired sentence is restored and verified (every
canonical form present, no variant left); a sentence that fails keeps the deterministic
proposal and says why in ``check``. Text outside flagged spans is never changed by the model.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Iterator

from repair.aliases import AliasMatch, AliasTable, load_calque_table
from repair.detect import Detection
from repair.rewrite.base import ALIAS_MODEL, Proposal, RewriteSettings, SpanEdit, edit_ratio
from repair.rewrite.recall import Recall, propose_with_memory
from repair.rewrite.sure_names import name_fixes
from repair.text.timing import timed

__all__ = ["propose", "fixed_matches", "fixed_table", "apply_fixed", "model_spans",
           "lexicon_fixes"]

log = logging.getLogger(__name__)

_PH_RE = re.compile(r"<ent\d+>")
_LOWER_LATIN = re.compile(r"[a-z]+(?:[ .,]+[a-z]+)*\.?")
_LAST_WORD = re.compile(r"\S+\s*$")


@functools.lru_cache(maxsize=16)
def _calques(path: str | None) -> AliasTable:
    return load_calque_table(path) if path else AliasTable()


@functools.lru_cache(maxsize=16)
def _learned(path: str) -> AliasTable:
    """The rows of a learned phrase list that carry a suggestion, each with the reviewers'
    counts (the row's note) as its evidence: ``replacements[].source`` in the output."""
    from pathlib import Path

    from repair.aliases import AliasRow, calque_rows

    notes = {lineno: cols[2].strip() for lineno, cols in calque_rows(Path(path))
             if len(cols) > 2}
    return AliasTable(
        AliasRow(r.canonical, "calque", r.variants, r.left, r.right,
                 f"{r.source} (reviewers: {notes.get(int(r.source.rpartition(':')[2]), '')})")
        for r in load_calque_table(path).rows)


_FIXED_TABLES: dict[tuple, AliasTable] = {}


def fixed_table(settings: RewriteSettings, aliases: AliasTable) -> AliasTable:
    """The alias rows, the known calques and the learned phrases with a suggestion, matched
    together (aliases first); built once per alias table and phrase lists, as compiling the
    matcher costs more than a batch's matching."""
    key = (aliases.digest, settings.calques, settings.learned)
    if key not in _FIXED_TABLES:
        rows = _calques(settings.calques).rows + tuple(
            r for f in settings.learned for r in _learned(f).rows)
        _FIXED_TABLES[key] = AliasTable(aliases.rows + rows) if rows else aliases
    return _FIXED_TABLES[key]


def fixed_matches(text: str, table: AliasTable, dates: bool = True,
                  extra: Iterable[AliasMatch] = (), leftovers: bool = False,
                  contexts: str | None = None, templates: Iterable = ()) -> list[AliasMatch]:
    """The deterministic repairs of ``text``: alias variants and known calques (``table``),
    edits of the learned ``templates`` (``TemplateSet``s, taking in the matches inside),
    with ``leftovers`` a preposition left after a replaced calque dropped (by the corpus
    ``contexts`` of its suggestion, :mod:`repair.rewrite.dangling`) and a rank after a name
    put before it (taking in the matches inside), then English dates, ``extra`` matches and,
    with ``leftovers``, doubled function words and a closing "etc." where nothing before
    matched, left to right."""
    from repair.aliases.counts import news_count
    from repair.rewrite.dates import find_dates
    from repair.rewrite.leftovers import (
        PLACE_MIN,
        leftover_matches,
        title_order,
        visit_order,
    )

    found = table.find(text)
    for tpl in templates:  # learned from reviewers: repairs over slots (repair.detect.templates)
        got = tpl.alias_matches(text, found)
        found = [m for m in found if not any(t.start <= m.start and m.end <= t.end
                                             for t in got)] + got
    if leftovers and contexts:
        from repair import project_path
        from repair.rewrite.dangling import dangling_matches, load_contexts

        found = dangling_matches(text, found, load_contexts(str(project_path(contexts))),
                                 lambda p: news_count(f"tại {p}") >= PLACE_MIN)
    if leftovers:
        orders = title_order(text, found)
        orders += [v for v in visit_order(text, found, news_count)
                   if not any(v.start < o.end and o.start < v.end for o in orders)]
        found = [m for m in found if not any(o.start <= m.start and m.end <= o.end
                                             for o in orders)] + orders
    later = (list(find_dates(text)) if dates else []) + list(extra)
    if leftovers:
        later += leftover_matches(text)
    for d in later:
        if not any(d.start < m.end and m.start < d.end for m in found):
            found.append(d)
    return sorted(found, key=lambda m: m.start)


def lexicon_fixes(det: Detection, settings: RewriteSettings) -> list[AliasMatch]:
    """Term-lexicon corrections inside the flagged spans of ``det`` (none without a lexicon
    or a flag)."""
    if not settings.lexicon or not det.flagged:
        return []
    from repair.rewrite.lexicon import lexicon_matches, load_lexicon

    spans = [(s.start, s.end) for s in det.spans if s.category != "alias"]
    return lexicon_matches(det.segment.text, spans, load_lexicon(str(settings.lexicon)))


def apply_fixed(text: str, table: AliasTable, dates: bool = True,
                extra: Iterable[AliasMatch] = ()) -> tuple[str, list[AliasMatch]]:
    """``text`` with every deterministic repair applied, and the matches."""
    matches = fixed_matches(text, table, dates, extra)
    return _splice(text, matches), matches


def _splice(text: str, matches: Iterable[AliasMatch]) -> str:
    pieces, pos = [], 0
    for m in matches:
        pieces += [text[pos : m.start], m.canonical]
        pos = m.end
    return "".join(pieces) + text[pos:]


def _source(matches: Iterable[AliasMatch]) -> str:
    types = {m.type for m in matches}
    for kind, source in (("name", "name"), ("template", "template"), ("calque", "calque"),
                         ("date", "rule"), ("order", "rule"), ("leftover", "rule"),
                         ("lexicon", "lexicon")):
        if kind in types:
            return source
    return "alias" if types else "unchanged"


def _fixed(det: Detection, settings: RewriteSettings, table: AliasTable,
           model: str = ALIAS_MODEL, source: str | None = None, check: str = "",
           spans: tuple[SpanEdit, ...] = (), matches: list[AliasMatch] | None = None,
           ) -> Proposal:
    text = det.segment.text
    if matches is None:
        matches = fixed_matches(text, table, settings.dates,
                                 lexicon_fixes(det, settings) + name_fixes(det),
                                 settings.leftovers, settings.calque_contexts,
                                 _templates(settings.templates))
    new = _splice(text, matches)
    ratio = edit_ratio(text, new)
    look = _look(det, settings, spans)
    return Proposal(det, new, source or _source(matches), model, ratio,
                    ratio > settings.max_edit_ratio or _named(matches) or bool(look),
                    tuple(matches), check or look, spans)


def _look(det: Detection, settings: RewriteSettings, spans: Iterable[SpanEdit] = ()) -> str:
    """Why the reviewer must look at a proposal that keeps something it could not repair
    ("" = nothing): a deletion the guard refused as meaningful, a party named twice."""
    from repair.rewrite.leftovers import doubled_party

    refused = [e.text for e in spans if e.check == "meaning"]
    if refused:
        return "meaning: deleting part of " + ", ".join(f"'{t}'" for t in refused) + \
            " would lose meaning"
    return doubled_party(det.segment.text) if settings.leftovers else ""


def _templates(paths: tuple[str, ...]) -> list:
    """The learned template sets of ``rewrite.templates``, loaded once."""
    from repair.detect.templates import load_templates

    return [load_templates(str(p)) for p in paths]


def _named(matches: Iterable[AliasMatch]) -> bool:
    """A resolver's name was taken: the reviewer looks (``low_confidence``)."""
    return any(m.type == "name" for m in matches)


def propose(
    detections: Iterable[Detection], settings: RewriteSettings, aliases: AliasTable,
    memory: Recall | None = None,
) -> Iterator[Proposal]:
    """One proposal per detection: flagged segments are repaired, others left as they are;
    with a ``memory`` of past decisions, a flagged sentence it knows takes the reviewer's text
    (source ``memory``) and is not sent to the rewriter."""
    if memory is not None:
        yield from propose_with_memory(
            list(detections), memory, lambda rest: propose(rest, settings, aliases),
            lambda: _unchanged_model(settings))
        return
    table = fixed_table(settings, aliases)
    if not settings.model:
        for det in detections:
            if det.flagged:
                yield _fixed(det, settings, table)
            else:
                yield _unflagged(det, settings, table, ALIAS_MODEL)
        return
    yield from _propose_with_model(list(detections), settings, table)


def _unflagged(det: Detection, settings: RewriteSettings, table: AliasTable,
               model: str) -> Proposal:
    """A segment the detector did not flag stays as it is, unless a rule repairs a
    construction clean news never writes (``leftovers.SURE_RULES``: a rank after the name, a
    visit's place after the visitor, a closing "etc."): then that repair alone, source
    ``rule``, low-confidence, ``check`` saying the detector's score was below its threshold."""
    from repair.rewrite.leftovers import SURE_RULES, may_be_sure

    text = det.segment.text
    if settings.leftovers and may_be_sure(text):
        sure = [m for m in fixed_matches(text, table, False, (), True)
                if m.source.startswith(SURE_RULES)]
        if sure:
            new = _splice(text, sure)
            return Proposal(det, new, "rule", model, edit_ratio(text, new), True, tuple(sure),
                            f"below threshold ({det.score:.3f}): sure rules only")
    return Proposal(det, text, "unchanged", model, 0.0, False)


def _unchanged_model(settings: RewriteSettings) -> str:
    """The model name an unflagged segment's proposal carries."""
    from repair.rewrite.model import rewriter_version

    return rewriter_version(str(settings.model)) if settings.model else ALIAS_MODEL


def model_spans(det: Detection, prot) -> list[tuple[int, int, str]]:
    """Original-text ranges the model is asked about: the flagged spans that are not alias or
    calque matches, grown to whole entities they touch, trimmed of spaces, overlaps merged.
    An English leftover in lowercase ("too", "as well") comes with the word before it."""
    text = det.segment.text
    out: list[tuple[int, int, str]] = []
    for sp in sorted(det.spans, key=lambda s: (s.start, -s.end)):
        a, b = sp.start, sp.end
        if sp.category == "alias" or b <= a:
            continue
        if any(s.start <= a and b <= s.end for s in prot.slots):
            continue  # inside an entity or a known calque: handled deterministically
        if sp.category == "english" and _LOWER_LATIN.fullmatch(text[a:b].strip()):
            # Its repair is usually its deletion, and the model writes no empty repairs:
            # training spans of inserted words carry a neighbour (measured on 800 held-out
            # synthetic sentences: english exact fixes 39 -> 46 of 162, chrF++ +0.08).
            before = _LAST_WORD.search(text[:a])
            a = before.start() if before else a
        for s in prot.slots:
            if s.start < b and a < s.end:
                a, b = min(a, s.start), max(b, s.end)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b <= a:
            continue
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]), out[-1][2])
        else:
            out.append((a, b, sp.category))
    return out


def _propose_with_model(
    dets: list[Detection], settings: RewriteSettings, table: AliasTable
) -> Iterator[Proposal]:
    from repair.rewrite.entities import protect, restore, verify
    from repair.rewrite.guard import (
        GuardLimits,
        check_rewrite,
        deletion_problem,
        span_problem,
        vi_compounds,
    )
    from repair.rewrite.model import load_rewriter, rewriter_context, rewriter_version
    from repair.rewrite.spans import make_window, unmap_placeholders

    # the model is loaded when a span needs it, not before: its name and window are read
    # from its directory
    version = rewriter_version(str(settings.model))
    words = (settings.context_words if settings.context_words is not None
             else rewriter_context(str(settings.model)))
    limits = GuardLimits(settings.guard_min_length_ratio, settings.guard_max_length_ratio,
                         settings.guard_max_edit_ratio)
    jobs: dict[int, tuple] = {}  # detection -> (Protected, [(start, end, category, window)])
    found: dict[int, list[AliasMatch]] = {}  # detection -> its deterministic repairs, once
    windows = []
    for i, det in enumerate(dets):
        if not det.flagged:
            continue
        with timed("rewrite: deterministic repairs"):
            found[i] = fixed_matches(det.segment.text, table, settings.dates,
                                     lexicon_fixes(det, settings) + name_fixes(det),
                                     settings.leftovers, settings.calque_contexts,
                                     _templates(settings.templates))
        prot = protect(det.segment.text, table, found[i])
        if prot is None:
            continue
        items = []
        for a, b, cat in model_spans(det, prot):
            w = make_window(prot.text, prot.to_protected(a), prot.to_protected(b), cat, words)
            items.append((a, b, cat, w))
            windows.append(w)
        jobs[i] = (prot, items)
    repairs = iter(load_rewriter(str(settings.model), settings.device).repair(
        [w.source for w in windows], [w.span for w in windows], margin=settings.keep_margin,
        batch_size=settings.batch_size, max_new_tokens=settings.max_new_tokens)
        if windows else [])
    for i, det in enumerate(dets):
        text = det.segment.text
        if not det.flagged:
            yield _unflagged(det, settings, table, version)
            continue
        if i not in jobs:
            yield _fixed(det, settings, table, version, "fallback",
                         "entities: too many to protect", matches=found[i])
            continue
        prot, items = jobs[i]
        edits, pieces, pos = [], [], 0
        for a, b, cat, w in items:
            r = next(repairs)
            check = r.check or ("" if r.changed else "keep")
            local = unmap_placeholders(r.text, w) if r.changed else None
            if r.changed and local is None:
                check = "placeholders"
            elif r.changed:  # again here: the guarantee must not rest on the model class
                check = span_problem(prot.text[w.start:w.end], local, prot.text[:w.start],
                                     prot.text[w.end:]) or deletion_problem(
                    prot.text[:w.start], prot.text[w.start:w.end], local, prot.text[w.end:],
                    vi_compounds())
            new = local if not check else prot.text[w.start:w.end]
            pieces += [prot.text[pos:w.start], new]
            pos = w.end
            shown = _PH_RE.sub(lambda m, slots=prot.slots: slots[int(m.group()[4:-1])].canonical,
                               new)
            edits.append(SpanEdit(a, b, cat, text[a:b], text[a:b] if check else shown, check))
        if not any(not e.check for e in edits):
            yield _fixed(det, settings, table, version, spans=tuple(edits),
                         matches=found[i])
            continue
        restored = restore("".join(pieces) + prot.text[pos:], prot)
        problems = (["placeholders not kept"] if restored is None
                    else verify(restored, prot, table))
        if problems:
            yield _fixed(det, settings, table, version, "fallback",
                         "entities: " + "; ".join(problems), tuple(edits), found[i])
            continue
        assert restored is not None
        matches = found[i]
        baseline = _splice(text, matches)
        with timed("rewrite: guard"):
            reason = check_rewrite(baseline, restored, edit_ratio(baseline, restored), limits)
        if reason is not None:
            yield _fixed(det, settings, table, version, "guard", reason, tuple(edits), matches)
            continue
        ratio = edit_ratio(text, restored)
        look = _look(det, settings, edits)
        yield Proposal(det, restored, "model", version, ratio,
                       ratio > settings.max_edit_ratio or _named(matches) or bool(look),
                       tuple(matches), look, tuple(edits))

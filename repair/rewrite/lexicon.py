"""Mangled foreign terms, corrected from the spellings Vietnamese news actually uses.

The span rewriter cannot know that "Innowa" is the car "Innova" or "Diorcin" is "dioxin":
that is knowledge, not context. A term lexicon mined from the clean corpus supplies it: every
Latin-letter word written often enough, with its usual casing. A word inside a flagged span
that the corpus (almost) never writes, one or two edits from a word it writes often, is
proposed in that word's form, with the counts as evidence. Left alone: English words (an
English leftover is the rewriter's to translate, not a misspelling) and pinyin, which would
otherwise be "corrected" into other pinyin or into Vietnamese syllables (names are resolved
by ``repair.names``). Candidates come from SymSpell
(``symspellpy``), whose precomputed deletes answer an edit-distance-2 lookup over the whole
lexicon in microseconds, where a scan of it would take tens of milliseconds a word.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repair.aliases import AliasMatch
from repair.errors import InputError
from repair.text import english_zipf, is_pinyin_word, is_vietnamese_syllable
from repair.text.outputs import read_tsv_gz, write_tsv_gz
from repair.text.timing import timed_call

__all__ = ["LexiconSettings", "TermLexicon", "build_lexicon", "load_lexicon", "lexicon_matches"]

log = logging.getLogger(__name__)

_WORD_RE = re.compile(r"(?<![\w-])[A-Za-z]+(?![\w-])")
_HEADER = "#lexicon\tterm\tcount\tlowercase"
Entry = tuple[str, int, int]  # usual spelling, count, count written all in lowercase


@dataclass(frozen=True)
class LexiconSettings:
    min_count: int = 8  # a correction is a word the corpus writes at least this often
    rare_max: int = 2  # ... for a word it writes at most this often
    min_length: int = 4  # shorter words are too often acronyms and too close to each other
    long_word: int = 7  # from this length two edits are allowed, below it one
    dominance: float = 5.0  # the best candidate is this many times as frequent as the next
    english_zipf: float = 3.0  # words at least this frequent in English are not misspellings


class TermLexicon:
    """Corpus counts of Latin-letter words (keyed lowercase) and their usual spelling."""

    def __init__(self, counts: dict[str, Entry], settings: LexiconSettings,
                 path: Path | None = None):
        from symspellpy import SymSpell

        self.counts, self.settings, self.path = counts, settings, path
        self.name = path.name if path else "lexicon"
        self._sym = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for key, (_, n, _) in counts.items():
            if n >= settings.min_count and not is_vietnamese_syllable(key):
                self._sym.create_dictionary_entry(key, n)

    def count(self, word: str) -> int:
        return self.counts.get(word.lower(), ("", 0, 0))[1]

    def correction(self, word: str) -> tuple[str, str] | None:
        """The usual spelling of a rare ``word`` and the evidence for it, or None."""
        from symspellpy import Verbosity

        st = self.settings
        low = word.lower()
        if (len(low) < st.min_length or not low.isascii() or self.count(low) > st.rare_max
                or english_zipf(low) >= st.english_zipf or is_pinyin_word(low)):
            return None
        max_d = 2 if len(low) >= st.long_word else 1
        found = [s for s in self._sym.lookup(low, Verbosity.ALL, max_edit_distance=max_d)
                 if s.term != low]
        if not found:
            return None
        found.sort(key=lambda s: (s.distance, -s.count))
        best = found[0]
        rivals = [s for s in found[1:] if s.distance == best.distance]
        if rivals and best.count < st.dominance * rivals[0].count:
            return None  # two plausible words: a reviewer decides, not the lexicon
        form, n, lower = self.counts[best.term]
        if word.islower() and lower * 10 >= n:
            form = best.term  # written in lowercase, and news does write it so too
        evidence = (f"{self.name}: '{form}' written {best.count}x, '{word}' "
                    f"{self.count(low)}x, {best.distance} edit{'s' if best.distance > 1 else ''}")
        return form, evidence


def build_lexicon(sentences: Iterable[str], min_count: int = 3) -> dict[str, Entry]:
    """Latin-letter words written at least ``min_count`` times: lowercase key -> (most
    frequent spelling, count, count in lowercase)."""
    forms: Counter = Counter()
    for s in sentences:
        forms.update(_WORD_RE.findall(s))
    totals: Counter = Counter()
    best: dict[str, tuple[str, int]] = {}
    for form, n in forms.items():
        key = form.lower()
        totals[key] += n
        if n > best.get(key, ("", 0))[1]:
            best[key] = (form, n)
    return {k: (best[k][0], n, forms[k]) for k, n in totals.items() if n >= min_count}


def write_lexicon(counts: dict[str, Entry], path: str | Path) -> None:
    """Write ``counts`` as a gzipped TSV (most frequent first), atomically."""
    write_tsv_gz(path, [_HEADER.split("\t"), *(
        (form, n, lower) for _, (form, n, lower)
        in sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0])))])


@functools.lru_cache(maxsize=4)
@timed_call("load: term lexicon")
def load_lexicon(path: str, settings: LexiconSettings = LexiconSettings()) -> TermLexicon:
    """The term lexicon in ``path`` (written by :func:`write_lexicon`), loaded once; its
    spelling index is kept prepared beside it (``repair.text.prepared``)."""
    p = Path(path)
    if not p.is_file():
        return _read_lexicon(p, settings)  # the reader says what is missing
    from repair.text.prepared import prepared

    lex = prepared(f"lexicon-v1-{_settings_key(settings)}", [p],
                   lambda: _read_lexicon(p, settings))
    lex.path, lex.name = p, p.name  # where it was read this time (a copied model folder)
    return lex


def _settings_key(settings: LexiconSettings) -> str:
    import hashlib

    return hashlib.sha256(repr(settings).encode()).hexdigest()[:8]


def _read_lexicon(p: Path, settings: LexiconSettings) -> TermLexicon:
    counts: dict[str, Entry] = {}
    for lineno, parts in read_tsv_gz(p, "build it with `repair train lexicon`"):
        if parts[0].startswith("#"):
            continue
        if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
            raise InputError("expected 'term<TAB>count<TAB>lowercase count'", p, lineno)
        counts[parts[0].lower()] = (parts[0], int(parts[1]), int(parts[2]))
    return TermLexicon(counts, settings, p)


_CAP_WORD = re.compile(r"[^\W\d_][\w'-]*")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{1,200})[\"“”«»]")


def _in_name(text: str, start: int, end: int) -> bool:
    """A capitalised word next to another capitalised word (across a space or a hyphen): a
    proper name, which is the reviewer's, not the lexicon's ("Tổng thống Donand Trump")."""
    if not text[start:end][:1].isupper():
        return False
    head = text[:start].rstrip(" -")
    before = _CAP_WORD.findall(head[-40:]) if head != text[:start] else []
    if before and head.endswith(before[-1]) and before[-1][:1].isupper():
        rest = head[: len(head) - len(before[-1])].rstrip()
        if rest and rest[-1] not in ".!?:":  # not capitalised as the sentence's first word
            return True
    after = re.match(r"[ -]+([^\W\d_]+)", text[end:])
    return bool(after and after.group(1)[:1].isupper())


def _english_quotes(text: str) -> list[tuple[int, int]]:
    """Quoted passages that look English (every word plain ASCII, none a Vietnamese word
    with its tone marks): a title or a quotation, never a misspelling to correct."""
    out = []
    for m in _QUOTED.finditer(text):
        words = m.group(1).split()
        if words and all(w.isascii() for w in words):
            out.append((m.start(1), m.end(1)))
    return out


def lexicon_matches(text: str, spans: Sequence[tuple[int, int]],
                    lexicon: TermLexicon) -> list[AliasMatch]:
    """Corrections of the rare words of ``text`` inside ``spans`` (the flagged ones)."""
    out: list[AliasMatch] = []
    quoted = _english_quotes(text)
    for m in _WORD_RE.finditer(text):
        if not any(a < m.end() and m.start() < b for a, b in spans):
            continue
        if _in_name(text, m.start(), m.end()) or any(a <= m.start() < b for a, b in quoted):
            continue  # a proper name ("Tổng thống Donand Trump"), or quoted English
        fix = lexicon.correction(m.group())
        if fix is not None:
            form = fix[0]
            if not text[: m.start()].strip() or text[: m.start()].rstrip()[-1] in ".!?:":
                form = form[:1].upper() + form[1:]  # a sentence's first word
            out.append(AliasMatch(m.start(), m.end(), m.group(), form, "lexicon", fix[1]))
    return out

"""Seeded synthetic generator of Chinese→Vietnamese machine-translation artifacts.

Takes clean Vietnamese news sentences and returns :class:`SyntheticPair` objects:
the clean sentence (unchanged, NFC), a corrupted copy, and the exact character
spans (:class:`Corruption`, in the corrupted text) of every corruption with its category and
the clean substring it replaced.  Used to train (a) a sentence/span artifact detector and
(b) a seq2seq rewriter on (corrupted → clean) pairs.

Invariants (by construction, tested):

* ``pair.clean`` is the NFC input; ``pair.corrupted == pair.clean`` when nothing
  was applied (``spans == ()``).
* ``corrupted[s.start:s.end] == s.text`` for every span; spans never overlap and
  are separated by at least one character; they are sorted by ``start``.
* Replacing every span's ``text`` by its ``original`` right to left gives back
  ``clean`` exactly.
* Span texts never start or end with whitespace.  Pure insertions (an English
  word, a duplicated phrase, an inserted "sự") therefore absorb the neighbouring
  word: inserting "sự" before "hợp tác" gives ``text="sự hợp tác"``,
  ``original="hợp tác"``.  ``original`` is never empty.
* Deterministic for a given ``SynthSettings.seed`` and input order: sentence *i*
  gets its own ``random.Random`` derived from ``(seed, i)``.

Families (one per category).  Real example of each from the seed articles
(``/work/shared/data/seed_dev.jsonl``, dev only: never used as templates here):

``pinyin``
    A Vietnamese person name (surname-first run of 2–4 capitalised syllables, or a
    run after a title such as "ông", "Thủ tướng") rendered in pinyin through the
    Hán-Việt table: syllable → Chinese character with that reading → toneless
    pinyin, surname capitalised and given name fused.  Variants: all split, all
    fused, given name first, an English look-alike word.  Seed 002-07
    "Thủ tướng Việt Ruan Chunfu" (Nguyễn Xuân Phúc); 003-00 "Duboji", 003-01
    "Du Bo Pat", 003-06 "Đô đốc Burton" (Đỗ Bá Tỵ).
``calque_name``
    A Japanese name whose kanji parts are replaced by their English gloss, their
    Hán-Việt reading or their pinyin, mixed with romaji, order sometimes swapped.
    Applied to table names already in the sentence ("Itsunori Onodera") and, if
    ``SynthSettings.substitute_names``, substituted for a Vietnamese person name.
    Seed 000-01 "Tây canon" (西正典 Masanori Nishi), 000-02 "Onodera Five Mã",
    003-14 "Yomitan Temple Five" (小野寺五典 Itsunori Onodera), 003-02
    "Iwasaki Mao" (岩崎茂 Shigeru Iwasaki), 000-04 "Onodera Watanabe".
``term``
    A Latin-script foreign term or place name mangled: letters dropped, inserted,
    swapped or respelled pinyin-style.  Seed 002-05 "Diorcin", 002-09 "Doxian"
    (dioxin), 000-01 "(Okinaw)" (Okinawa).
``calque``
    A Vietnamese title, institution or collocation replaced by a word-for-word
    calque from a table of (correct → calque) pairs.  Seed 000-01 "trên TƯỚNG"
    (Thượng tướng), 000-02 "trên Thứ trưởng", "đảng của ông" (phái đoàn),
    "chào xã giao" → 000-03 "cuộc gọi lịch sự", 002-03 "ngày hôm sau"
    (Việt Nam – Nhật Bản), 003-03 "trao đổi chiều sâu", 003-01 "giám đốc của đô
    đốc cán bộ" (Tham mưu trưởng), 002-06 "quyền lực thực thi pháp luật".
``english``
    English words left in: Vietnamese connectives/nouns replaced by English ("và"
    → "and", "Bộ Quốc phòng" → "Ministry of Defense") or English words inserted
    ("the", "on Monday", "etc.").  Seed 002-02 "Thứ trưởng Bộ Quốc phòng Brown".
``date``
    A Vietnamese date rendered in English: "ngày 17/2", "ngày 17 tháng 2" →
    "February 17", "Feb. 17", "on 17 February"; "thứ Hai" → "Monday";
    "tháng 11 năm 2016" → "November 2016".  Seed 000-02 "báo cáo February 17",
    002-02 "Hà Nội - June 5".
``duplicate``
    A phrase duplicated: "A và B" → "A và A", "W" → "W và W", "cả W lẫn W",
    "W, W", "và và".  Seed 000-05 / 003-10 "vai trò và vai trò", 003-04
    "Nhật Bản và Nhật Bản", 003-11 "cả Nhật Bản lẫn Nhật Bản".
``grammar``
    Word-order and function-word errors: modifier before noun ("quốc phòng hợp
    tác"), reversed possessive ("Việt Nam của vai trò"), inserted "sự"/"việc"/
    "của"/"các"/"được"/"đó là", dropped classifiers, misplaced "rằng".  Seed
    000-03 "rằng sự hợp tác", "đó là phù hợp", 000-09 "quốc phòng song phương
    của lõi", 002-02 "Bộ Nhật Bản Quốc phòng".

Layout: one module per family (``pinyin``, ``calque_name``, ``term``, ``calque``, ``english``,
``date``, ``duplicate``, ``grammar``), each with a ``propose(synth, ctx, rng)`` that lists the
edits it could make, registered in :data:`FAMILIES`; ``common`` holds the records and helpers,
``resources`` the lexicons (loaded once per path pair and cached), ``tables`` the data tables.
"""


from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Iterator, Mapping

from repair import SHARED, project_path
from repair.synth import calque, calque_name, date, duplicate, english, grammar, pinyin, term
from repair.synth.common import Corruption, Ctx, Edit, SyntheticPair
from repair.synth.sources import DEFAULT_FAMILY_WEIGHTS, Sources, SynthSettings
from repair.synth.tables import JP_GIVEN, JP_SURNAMES
from repair.text import iter_corpus, nfc

__all__ = ["FAMILIES", "DEFAULT_FAMILY_WEIGHTS", "Corruption", "SynthSettings", "Synthesizer",
           "SyntheticPair", "corrupt", "generate", "get_synthesizer", "japanese_names"]

log = logging.getLogger(__name__)

# The artifact families, one module each: name -> the edits it could make in a sentence.
FAMILIES: Mapping[str, Callable[[Sources, Ctx, random.Random], list[Edit]]] = {
    "pinyin": pinyin.propose,
    "calque_name": calque_name.propose,
    "term": term.propose,
    "calque": calque.propose,
    "english": english.propose,
    "date": date.propose,
    "duplicate": duplicate.propose,
    "grammar": grammar.propose,
}
assert set(FAMILIES) == set(DEFAULT_FAMILY_WEIGHTS), "a family without a default weight"


class Synthesizer(Sources):
    """Holds settings and loaded resources; :meth:`corrupt` one sentence at a time."""

    def __init__(self, settings: SynthSettings = SynthSettings()) -> None:
        super().__init__(settings)
        weights = {c: float(settings.family_weights.get(c, 0.0)) for c in FAMILIES}
        self.families = [(c, w) for c, w in weights.items() if w > 0]

    # ---------------------------------------------------------------- driver
    def corrupt(self, text: str, rng: random.Random) -> SyntheticPair:
        clean = nfc(text)
        st = self.settings
        if not clean or not self.families or rng.random() >= st.rate:
            return SyntheticPair(clean, clean, ())
        k = rng.randint(1, st.max_corruptions)
        ctx = Ctx(clean)
        # weighted random order of families (Efraimidis–Spirakis keys)
        order = sorted(self.families, key=lambda cw: rng.random() ** (1.0 / cw[1]), reverse=True)
        chosen: list[Edit] = []
        for cat, _w in order:
            if len(chosen) >= k:
                break
            cands = FAMILIES[cat](self, ctx, rng)
            rng.shuffle(cands)
            for e in cands:
                s, t, rep, _ = e
                if not rep or rep == clean[s:t] or rep != rep.strip() or s >= t:
                    continue
                if all(t < s2 or t2 < s for s2, t2, _, _ in chosen):
                    chosen.append((s, t, nfc(rep), cat))
                    break
        return _apply(clean, chosen)


def _apply(clean: str, edits: list[Edit]) -> SyntheticPair:
    if not edits:
        return SyntheticPair(clean, clean, ())
    edits = sorted(edits)
    parts: list[str] = []
    spans: list[Corruption] = []
    pos = shift = 0
    for s, t, rep, cat in edits:
        parts.append(clean[pos:s])
        parts.append(rep)
        cs = s + shift
        spans.append(Corruption(cs, cs + len(rep), cat, rep, clean[s:t]))
        shift += len(rep) - (t - s)
        pos = t
    parts.append(clean[pos:])
    return SyntheticPair(clean, "".join(parts), tuple(spans))


def japanese_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Correctly romanised Japanese (given names, surnames) of the calque table: the detector
    trains on them in clean sentences so that only their calques look suspicious."""
    return tuple(sorted(JP_GIVEN)), tuple(sorted(JP_SURNAMES))


def get_synthesizer(settings: SynthSettings = SynthSettings()) -> Synthesizer:
    """A Synthesizer for these settings (resources are cached across instances)."""
    return Synthesizer(settings)


def corrupt(text: str, rng: random.Random, synth: Synthesizer | None = None) -> SyntheticPair:
    """Corrupt one sentence with the given random generator (default settings if no synth)."""
    return (synth or Synthesizer()).corrupt(text, rng)


def generate(
    sentences: Iterable[str], settings: SynthSettings = SynthSettings()
) -> Iterator[SyntheticPair]:
    """Corrupt a stream of clean sentences; deterministic for a given seed and input order."""
    synth = Synthesizer(settings)
    base = (settings.seed & 0xFFFFFFFF) << 40
    for i, sent in enumerate(sentences):
        yield synth.corrupt(sent, random.Random(base + i))


def main() -> None:
    """`python -m repair.synth N [seed]`: N sample pairs from the dev corpus."""
    import itertools
    import sys

    logging.basicConfig(level=logging.INFO)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    dev = project_path(f"{SHARED}/corpus/dev.jsonl.gz")
    pairs = generate(
        iter_corpus(dev),
        SynthSettings(seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0, rate=1.0),
    )
    for p in itertools.islice(pairs, n):
        print("CLEAN:", p.clean)
        print("CORR: ", p.corrupted)
        for sp in p.spans:
            print(f"   [{sp.category}] {sp.original!r} -> {sp.text!r}")
        print()

"""Corpus statistics for name evidence that needs no alias table (``repair.detect.names``).

Mined once from the clean training corpus with ``repair names gazetteer`` and shipped beside
the gazetteer (``models/names/name_stats.tsv.gz``):

- ``words``: every word clean news uses (lower-cased) with how often, and how often exactly in
  lower case, so that "a token never seen in 650k sentences" is a look-up;
- ``slots``: for each frequent lower-case word and word pair, how often clean news follows it
  with a capitalised word, i.e. how often a name may stand there ("ô nhiễm" 0.8%, "ông" 57%);
- ``japanese``: romanised readings of kanji words from pykakasi's dictionary that end in a
  typical surname kanji (野 寺 辺 田 ...) or given-name kanji (典 郎 雄 ...), counted per class,
  so a romaji word is known as a surname ("onodera", "watanabe") or a given name ("itsunori").
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from repair.errors import InputError
from repair.text import tokens
from repair.text.outputs import read_tsv_gz, write_tsv_gz
from repair.text.timing import timed_call

__all__ = ["NameStats", "mine_name_stats", "mine_japanese"]

log = logging.getLogger(__name__)

# Kanji that end Japanese surnames (places, nature) and given names; a word ending in one of
# them is counted for that class.
SURNAME_KANJI = frozenset(
    "山川田野村本寺井木林森島嶋崎原沢澤辺邊部谷口橋岡池藤宮浜濱江坂瀬松尾塚倉関畑堀窪里屋根石岩"
)
GIVEN_KANJI = frozenset("典郎夫男雄彦子美樹之介輔助朗也哉人太治司史志士吾悟次二三一")
_MIN_SLOT = 50  # a word (pair) seen fewer times says too little about what follows it


@dataclass
class NameStats:
    # lower-cased word -> (count in any case, count exactly in lower case)
    words: dict[str, tuple[int, int]] = field(default_factory=dict)
    # lower-case word or "word word" -> (count, count followed by a capitalised word)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)
    # romaji (lower case) -> (kanji words read so that end in a surname kanji, in a given one)
    japanese: dict[str, tuple[int, int]] = field(default_factory=dict)
    sentences: int = 0

    def seen(self, word: str) -> int:
        return self.words.get(word.lower(), (0, 0))[0]

    def seen_lower(self, word: str) -> int:
        return self.words.get(word.lower(), (0, 0))[1]

    def name_slot(self, before: list[str]) -> tuple[float, str] | None:
        """How often clean news puts a capitalised word after these words (the last two, else
        the last one), with the words it counted; None where they are too rare to say."""
        for key in (" ".join(before[-2:]).lower(), before[-1].lower()) if before else ():
            entry = self.slots.get(key)
            if entry and entry[0] >= _MIN_SLOT:
                return entry[1] / entry[0], key
        return None

    def name_slot_rate(self, before: list[str]) -> float | None:
        slot = self.name_slot(before)
        return slot[0] if slot else None

    def japanese_class(self, word: str) -> tuple[int, int]:
        """(surname, given-name) evidence of a romaji word; (0, 0) if unknown."""
        return self.japanese.get(word.lower(), (0, 0))

    def save(self, path: Path) -> None:
        tables = ((self.words, "W"), (self.slots, "S"), (self.japanese, "J"))
        write_tsv_gz(path, [("#sentences", self.sentences),
                            *((tag, k, a, b) for table, tag in tables
                              for k, (a, b) in sorted(table.items()))])

    @classmethod
    @timed_call("load: name statistics")
    def load(cls, path: str | Path) -> NameStats:
        """The statistics in ``path``, from their prepared copy when it is current."""
        from repair.text.prepared import prepared

        p = Path(path)
        if not p.is_file():
            return cls._read(p)  # the reader says what is missing
        return prepared("name-stats-v1", [p], lambda: cls._read(p))

    @classmethod
    def _read(cls, path: Path) -> NameStats:
        out = cls()
        tables = {"W": out.words, "S": out.slots, "J": out.japanese}
        for lineno, cols in read_tsv_gz(path, "mine them with 'repair names gazetteer'"):
            try:
                if cols[0] == "#sentences":
                    out.sentences = int(cols[1])
                else:
                    tables[cols[0]][cols[1]] = (int(cols[2]), int(cols[3]))
            except (ValueError, IndexError, KeyError) as exc:
                raise InputError(f"malformed name-statistics row ({exc})", Path(path),
                                 lineno) from exc
        return out


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def mine_name_stats(sentences: Iterable[str]) -> NameStats:
    """Word counts and name-slot rates of clean sentences, plus ``mine_japanese()``."""
    words: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    after: Counter[str] = Counter()
    after_cap: Counter[str] = Counter()
    n = 0
    for text in sentences:
        n += 1
        toks = [m.group(0) for m in tokens(text)]
        for t in toks:
            key = t.lower()
            words[key] += 1
            if t == key:
                lower[key] += 1
        for i in range(1, len(toks)):
            prev = toks[i - 1]
            if not prev.islower():
                continue
            cap = _capitalised(toks[i])
            keys = [prev] + ([f"{toks[i - 2].lower()} {prev}"] if i >= 2 else [])
            for k in keys:
                after[k] += 1
                after_cap[k] += cap
    slots = {k: (c, after_cap[k]) for k, c in after.items() if c >= _MIN_SLOT}
    stats = NameStats({k: (c, lower[k]) for k, c in words.items()}, slots, mine_japanese(), n)
    log.info("name statistics: %d sentences, %d words, %d slots, %d Japanese readings",
             n, len(stats.words), len(slots), len(stats.japanese))
    return stats


def mine_japanese() -> dict[str, tuple[int, int]]:
    """Romaji readings of 2-3 kanji dictionary words ending in a surname or given-name kanji."""
    from pykakasi import kakasi
    from pykakasi.kanji import Kanwa

    table = Kanwa()._jisyo_table  # the whole kanji dictionary; pykakasi has no iterator
    kk = kakasi()
    counts: dict[str, list[int]] = {}
    for entries in table.values():
        for word, readings in entries.items():
            if not 2 <= len(word) <= 3 or not all("\u4e00" <= c <= "\u9fff" for c in word):
                continue
            surname, given = word[-1] in SURNAME_KANJI, word[-1] in GIVEN_KANJI
            if not (surname or given):
                continue
            for kana, context in readings:
                if context is not None:  # okurigana-dependent readings are verbs, not names
                    continue
                romaji = "".join(p["hepburn"] for p in kk.convert(kana))
                if romaji.isalpha():
                    c = counts.setdefault(romaji, [0, 0])
                    c[0] += surname
                    c[1] += given
    return {k: (a, b) for k, (a, b) in counts.items()}

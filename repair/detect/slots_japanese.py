"""The slot rules for Japanese names (part of ``SlotEvidence``, ``repair.detect.slots``): a
Japanese name read syllable by syllable in Hán-Việt, which the Japanese reading tables read back
("Tiểu Dã Tự Ngũ Điển" = 小野寺 五典), and English words glued to a romaji Japanese surname
("Onodera Five")."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from repair.detect.base import Span
from repair.names import NamesSettings, project_path
from repair.names.resolve import Resolver
from repair.names.stats import NameStats
from repair.text import english_zipf, is_vietnamese_syllable, tokens
from repair.text.words import ROMAJI_RE

__all__ = ["JapaneseSlotRules"]

# English words of a calqued place are common words (also: an English word this common is no
# romaji surname, "Japanese Motorcycle")
_PLACE_ZIPF = 3.5
_COMMON_ZIPF = 4.0  # an English word common enough to be English even when romaji could spell it
_BRAND = 200  # a Japanese surname clean news writes this often is a maker's name too
_UNSEEN = 5  # a romaji word clean news wrote fewer times than this is an unknown name


def _cap(w: str) -> bool:
    return w[:1].isupper()


class JapaneseSlotRules:
    """Japanese-name rules, a part of ``SlotEvidence``, which provides the statistics, the
    weights (``w``), the name tables and the English-gloss test (``_gloss_word``)."""

    stats: NameStats
    names: NamesSettings
    resolver: Resolver

    def _read_japanese(self, run: str, marked: bool = False) -> str | None:
        """The Japanese name the reading tables find for a Hán-Việt run: a segmentation into a
        surname word of 2+ kanji that the name statistics know as a surname, then a given name
        word the statistics know as one. ``marked``: the text calls the name Japanese ("Thủ
        tướng Nhật Bản ..."), where any reading as two or more Japanese words, one of 2+ kanji,
        will do (a one-kanji surname: "Lâm Phương Chinh" = 林 芳正)."""
        if self.resolver.gaz.lookup(run.split()) is not None:
            return None  # a name clean news writes: Vietnamese
        for cand in _reader(str(project_path(self.names.hanviet))).read(run, top_k=5):
            if marked and len(cand.words) >= 2 and max(map(len, cand.words)) >= 2:
                return f"{' '.join(cand.words)} ({cand.name})"
            if len(cand.words) < 2 or len(cand.words[0]) < 2:
                continue
            s_sur, s_given = _japanese_class(self.stats, cand.evidence[0]["romaji"].lower())
            # a known surname, or two words of 2+ kanji each (surname, given name)
            if s_sur > s_given or (len(cand.words) == 2 and len(cand.words[1]) >= 2):
                return f"{' '.join(cand.words)} ({cand.name})"
        return None

    def _japanese_english(self, text: str) -> Iterator[Span]:
        """A romaji Japanese surname followed by English words ("Onodera Five")."""
        toks = [(m.start(), m.end(), m.group(0)) for m in tokens(text)]
        for i, (s, _, w) in enumerate(toks[:-1]):
            low = w.lower()
            if not (_cap(w) and ROMAJI_RE.match(low) and not is_vietnamese_syllable(w)):
                continue
            marked = text[:s].endswith(("Nhật Bản ", "Nhật "))  # "Bộ trưởng Nhật Bản Hayashi"
            if english_zipf(low) >= _PLACE_ZIPF or (self.stats.seen(w) >= _BRAND and not marked):
                continue  # "Japanese Motorcycle"; a maker's name: "Honda Cross Cub"
            sur, given = _japanese_class(self.stats, low)
            if sur <= given and not marked and not (sur == given == 0
                                                    and self.stats.seen(w) < _UNSEEN):
                continue  # not known as a surname, nor a romaji word news never writes
            j = i + 1
            while (
                j < len(toks) and text[toks[j - 1][1] : toks[j][0]] == " "
                and self._gloss_word(toks[j][2])
                # after "Nhật Bản" a romaji word is the name's other half ("Akihiko Tanaka")
                and not (marked and ROMAJI_RE.match(toks[j][2].lower())
                         and english_zipf(toks[j][2].lower()) < _COMMON_ZIPF)
            ):
                j += 1
            if j > i + 1:
                e = toks[j - 1][1]
                yield Span(
                    s, e, "calque_name", text[s:e], self.w.english_in_japanese_name,
                    evidence=f"English '{text[toks[i + 1][0]:e]}' after the Japanese surname "
                    f"'{w}': a given name translated kanji by kanji",
                )


def _japanese_class(stats: NameStats, romaji: str) -> tuple[int, int]:
    """(surname, given) evidence of a romaji word, also spelled with its long vowels as
    pykakasi writes them ("kato" -> "katou")."""
    for form in (romaji, romaji + "u", romaji.replace("o", "ou"), romaji.replace("u", "uu")):
        found = stats.japanese_class(form)
        if found != (0, 0):
            return found
    return (0, 0)


@functools.lru_cache(maxsize=2)
def _reader(hanviet: str):
    """The Japanese reading tables over the Hán-Việt table at ``hanviet`` (cached by path)."""
    from repair.names import load_hanviet
    from repair.names.japanese import JapaneseReader

    return JapaneseReader(load_hanviet(hanviet))

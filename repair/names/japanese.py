"""The reverse path for Japanese names read out in Hán-Việt: "Tiểu Dã Tự Ngũ Điển" -> kanji
with those readings -> 小野寺 五典 (words of pykakasi's dictionary, which knows names) ->
"Itsunori Onodera" (given name first, as Vietnamese press writes Japanese names).

Each syllable has many characters with its reading; only character strings that are words
of pykakasi's kanji dictionary count, and the segmentation with the fewest words wins.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from repair.names.hanviet import HanViet
from repair.text import fold_key

__all__ = ["JapaneseReader", "JapaneseName"]

_MAX_WORD = 4


@dataclass(frozen=True)
class JapaneseName:
    name: str  # romanised, given name first
    words: tuple[str, ...]  # kanji words, surname first
    evidence: tuple[dict, ...]


class JapaneseReader:
    def __init__(self, hanviet: HanViet):
        from pykakasi import kakasi  # already a dependency (romaji detection in synth)
        from pykakasi.kanji import Itaiji, Kanwa

        self.hv = hanviet
        self._kakasi = kakasi()
        self._kanwa = Kanwa()
        self._itaiji = Itaiji()
        import opencc  # already a dependency (the Hán-Việt bridge)

        self._t2jp = opencc.OpenCC("t2jp")  # Traditional -> Japanese forms: 內 -> 内, 廣 -> 広

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one reader per process, bounded
    def _chars(self, syllable: str) -> frozenset[str]:
        """Characters with this Hán-Việt reading, in Traditional and Japanese forms (pykakasi's
        variant table and OpenCC's Japanese shinjitai)."""
        chars = self.hv.by_reading.get(fold_key(syllable.lower()), ())
        return (frozenset(chars) | {self._itaiji.convert(c) for c in chars}
                | {self._t2jp.convert(c) for c in chars})

    def _words_at(self, sylls: list[str], i: int) -> list[str]:
        """Dictionary words starting at syllable ``i`` whose characters read as the next
        syllables (one kanji alone only where no longer word starts there: it says little)."""
        out, single = [], []
        for c in self._chars(sylls[i]):
            table = self._kanwa.load(c)
            if not table:
                continue
            if c in table:
                single.append(c)
            for word in table:
                n = len(word)
                if 2 <= n <= _MAX_WORD and i + n <= len(sylls) and all(
                    word[m] in self._chars(sylls[i + m]) for m in range(1, n)
                ):
                    out.append(word)
        return sorted(set(out)) or sorted(set(single))[:3]

    def read(self, text: str, top_k: int = 5) -> list[JapaneseName]:
        """Candidate romanised names for a Hán-Việt rendering, fewest words first."""
        sylls = text.split()
        if not 2 <= len(sylls) <= 8:
            return []
        # best[i]: segmentations of sylls[i:] into dictionary words (fewest words first)
        best: list[list[tuple[str, ...]]] = [[] for _ in range(len(sylls) + 1)]
        best[len(sylls)] = [()]
        for i in range(len(sylls) - 1, -1, -1):
            found = []
            for w in self._words_at(sylls, i):
                found.extend((w, *rest) for rest in best[i + len(w)][:top_k])
            best[i] = sorted(found, key=lambda ws: (sum(len(w) == 1 for w in ws), len(ws)))[
                : top_k * 2
            ]
        out: list[JapaneseName] = []
        seen = set()
        for words in sorted(best[0], key=lambda ws: (sum(len(w) == 1 for w in ws), len(ws))):
            romaji = [
                "".join(p["hepburn"] for p in self._kakasi.convert(w)).capitalize()
                for w in words
            ]
            name = " ".join(reversed(romaji))  # surname first in kanji, last in Vietnamese
            if name in seen:
                continue
            seen.add(name)
            evidence = tuple(
                {"chars": w, "romaji": r, "reading": " ".join(
                    sylls[sum(len(x) for x in words[:k]) : sum(len(x) for x in words[: k + 1])]
                )}
                for k, (w, r) in enumerate(zip(words, romaji, strict=True))
            )
            out.append(JapaneseName(name, words, evidence))
            if len(out) >= top_k:
                break
        return out

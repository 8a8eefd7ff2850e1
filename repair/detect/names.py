"""Name evidence that needs no alias table: transparent rules over one sentence, each a
``name`` span whose ``evidence`` says why, with a weight set from its false positives on
held-out clean news (``NameRuleWeights``):

- a capitalised word clean news never uses, where clean news puts no name ("ô nhiễm Doxian");
- an English gloss inside a Vietnamese name ("Ông Tây canon", "Nguyễn Văn Mountain");
- a name before a lower-case title, in Chinese word order ("Du Bo Pat đô đốc bày tỏ");
- a Japanese name of two surnames ("Onodera Watanabe");
- a Hán-Việt syllable inside a Japanese name, in a sentence about Japan ("Iwasaki Mao").

``verified_names`` goes the other way: a Japanese name the kanji dictionary confirms in the
order Vietnamese press writes it ("Itsunori Onodera"), which the trained detector then does
not count as an artifact.

Measured on ``corpus/dev.jsonl.gz`` (600 articles never used for the statistics): the rules
were designed on its sentences 5,000-10,254; ``repair eval`` reports the first 5,000. The
statistics (``repair.names.stats``) come from the 653,767 training sentences.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from repair.detect.base import Span
from repair.names.stats import NameStats
from repair.text import english_zipf, is_vietnamese_syllable, tokens
from repair.text.words import ROMAJI_RE

__all__ = ["NameEvidence", "NameRuleWeights", "TITLES", "load_name_stats"]


@dataclass(frozen=True)
class NameRuleWeights:
    """Per-rule weights, i.e. how much each rule's span adds to the score (noisy-or with the
    trained model's score). They are set for the shipped detector's operating threshold 0.93
    (``models/detector/README.md``): a decisive rule weighs more than the threshold, a rule
    that needs the model's agreement weighs ``1 - (1 - 0.93) / (1 - agreement)``, so that the
    agreement it needs stays what it was at the earlier threshold 0.8848
    (``tests/test_detect_slots.py`` checks both). Counts: sentences the rule fires on / flags
    in the design half (5,255) and the report half (5,000) of the held-out clean news, measured
    at 0.8848."""

    # Unseen capitalised word where clean news puts no name ("ô nhiễm Doxian"): fires 2 / 0
    # and 1 / 0 ("cô Srinivas"). Not decisive alone (a new brand name looks the same): it
    # flags only where the model agrees (the model's score >= 0.67).
    unseen_in_name_free_slot: float = 0.79
    # English gloss glued to a Vietnamese name ("Tây canon", "Nguyễn Văn Mountain"): 0 / 0
    # and 0 / 0.
    gloss_in_name: float = 0.95
    # Name before a lower-case title ("Du Bo Pat đô đốc bày tỏ"): Vietnamese puts the title
    # first. 1 / 1 ("Howard Gruenspecht giám đốc điều hành", a missing comma) and 0 / 0.
    name_before_title: float = 0.95
    # Japanese name of two surnames ("Onodera Watanabe" for Itsunori Onodera): 4 / 0
    # ("Kanagawa Kuroiwa" Yuji, a prefecture before a surname-first name; "Mada Hirono") and
    # 0 / 0. Only with the model's agreement (>= 0.72). Surname-first order alone ("Edano
    # Yukio", 4 sentences) is a style some Vietnamese outlets use, so it is no evidence.
    two_surnames: float = 0.75
    # Hán-Việt syllable inside a Japanese name in a sentence about Japan ("Iwasaki Mao",
    # "Onodera Five Mã"): 0 / 0 and 0 / 0; 5 of 200,000 training sentences, mostly a caption
    # run into the next sentence ("Suzuki Ignis Chiếc xe").
    hanviet_in_japanese_name: float = 0.95


# A word after which clean news puts a capitalised word less often than this is no name slot.
_NAME_FREE_SLOT = 0.02
# Lower-case English words that clean news itself uses this often are loanwords, not glosses.
_LOANWORD_COUNT = 3
# A Vietnamese syllable seen less often than this in clean news is no Vietnamese name's.
_COMMON_WORD = 100
# Titles that come before a name in Vietnamese (lower case: mid-sentence, after a name).
TITLES = (
    "đô đốc", "bộ trưởng", "thủ tướng", "tổng thống", "chủ tịch", "thứ trưởng", "đại tướng",
    "thượng tướng", "trung tướng", "thiếu tướng", "đại sứ", "tổng thư ký", "tổng bí thư",
    "giám đốc", "tư lệnh", "tham mưu trưởng", "ngoại trưởng",
)
_TITLE_RE = re.compile(r"\s(" + "|".join(sorted(TITLES, key=len, reverse=True)) + r")\s+(\w+)")
# Words that open a name run without being part of the name.
_TITLE_WORDS = frozenset(
    "ông bà anh chị cụ ngài tướng đô đốc bộ trưởng thủ thứ chủ tịch tổng thống phó giám "
    "đại sứ".split()
)
_SURNAMES = frozenset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh "
    "đoàn lương mai trương".split()
)


def _title_case(w: str) -> bool:
    return len(w) >= 2 and w[0].isupper() and w[1:].islower()


@functools.lru_cache(maxsize=100_000)
def _romaji(w: str) -> bool:
    return _title_case(w) and not is_vietnamese_syllable(w) and bool(ROMAJI_RE.match(w.lower()))


@functools.lru_cache(maxsize=2)
def load_name_stats(path: str | Path) -> NameStats:
    return NameStats.load(path)


def _english(word: str) -> float:
    return english_zipf(word.lower())


class NameEvidence:
    """The rules of the module docstring over one sentence."""

    def __init__(self, stats: NameStats, weights: NameRuleWeights | None = None):
        self.stats = stats
        self.w = weights or NameRuleWeights()

    def spans(self, text: str) -> list[Span]:
        toks = [(m.start(), m.end(), m.group(0)) for m in tokens(text)]
        if len(toks) < 2:
            return []
        out = list(self._unseen(text, toks))
        out += self._gloss(text, toks)
        out += self._before_title(text, toks)
        out += self._two_surnames(text, toks)
        if "Nhật" in text:
            out += self._hanviet_in_japanese_name(text, toks)
        return out

    # A capitalised run: adjacent capitalised tokens, one space apart.
    @staticmethod
    def _joined(text: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        return text[a[1] : b[0]] == " "

    def _unseen(self, text: str, toks: list) -> Iterator[Span]:
        for i in range(1, len(toks)):
            s, e, w = toks[i]
            prev = toks[i - 1]
            if not (_title_case(w) and w.isalpha() and prev[2].islower()):
                continue
            if not self._joined(text, prev, toks[i]) or is_vietnamese_syllable(w):
                continue
            if i + 1 < len(toks) and toks[i + 1][2][:1].isupper() and self._joined(
                text, toks[i], toks[i + 1]
            ):
                continue  # part of a longer name
            if self.stats.seen(w):
                continue
            slot = self.stats.name_slot([t[2] for t in toks[max(0, i - 2) : i]])
            if slot is None or slot[0] >= _NAME_FREE_SLOT:
                continue
            rate, before = slot
            yield Span(
                s, e, "name", w, self.w.unseen_in_name_free_slot,
                evidence=f"'{w}' never occurs in {self.stats.sentences:,} clean sentences, and "
                f"after '{before}' clean news puts a capitalised word only {rate:.1%} of the time",
            )

    def _vi_run_before(self, text: str, toks: list, i: int) -> int:
        """Start index of the capitalised Vietnamese-syllable run ending just before ``i`` (not
        the sentence's first word, not title words); ``i`` if there is none."""
        j = i
        while (
            j - 1 >= 1
            and _title_case(toks[j - 1][2])
            and is_vietnamese_syllable(toks[j - 1][2])
            and toks[j - 1][2].lower() not in _TITLE_WORDS
            and self._joined(text, toks[j - 1], toks[j])
        ):
            j -= 1
        return j

    def _gloss(self, text: str, toks: list) -> Iterator[Span]:
        for i in range(2, len(toks)):
            s, e, w = toks[i]
            if not (w.isascii() and w.isalpha() and len(w) >= 3) or is_vietnamese_syllable(w):
                continue
            j = self._vi_run_before(text, toks, i)
            if j == i:
                continue
            run = [t[2] for t in toks[j:i]]
            if w.islower():
                # a lower-case English word clean news does not use, glued to a name
                if _english(w) < 3.0 or self.stats.seen_lower(w) >= _LOANWORD_COUNT:
                    continue
            elif not (
                _title_case(w)
                and len(run) >= 2
                and run[0].lower() in _SURNAMES
                and _english(w) >= 4.0
                and self.stats.seen(w) - self.stats.seen_lower(w) < 50  # rarely a name itself
            ):
                continue
            a = toks[j][0]
            yield Span(
                a, e, "name", text[a:e], self.w.gloss_in_name,
                evidence=f"English word '{w}' inside the Vietnamese name '{' '.join(run)}': "
                "a name syllable translated by meaning",
            )

    def _before_title(self, text: str, toks: list) -> Iterator[Span]:
        starts = {t[0]: k for k, t in enumerate(toks)}
        for m in _TITLE_RE.finditer(text):
            k = starts.get(m.start(1))
            nxt = m.group(2)
            if k is None or k == 0 or not nxt.islower():
                continue
            j = k
            while j - 1 >= 0 and toks[j - 1][2][:1].isupper() and (
                j == k or self._joined(text, toks[j - 1], toks[j])
            ):
                j -= 1
            if j == k or not self._joined(text, toks[k - 1], toks[k]):
                continue
            run = toks[max(j, 1) : k]  # a sentence's first word is capitalised anyway
            if not run or all(self._vietnamese_name_word(t[2]) for t in run):
                continue
            a, e = toks[j][0], toks[k - 1][1]
            yield Span(
                a, e, "name", text[a:e], self.w.name_before_title,
                evidence=f"name before the title '{m.group(1)}': Vietnamese writes the title "
                "first (a word-order calque)",
            )

    def verified_names(self, text: str) -> list[tuple[int, int]]:
        """Offsets of Japanese names written as Vietnamese press writes them, which the kanji
        dictionary confirms: a given name then a surname ("Itsunori Onodera")."""
        toks = [(m.start(), m.end(), m.group(0)) for m in tokens(text)]
        out = []
        for a, b in zip(toks, toks[1:], strict=False):
            if not (_romaji(a[2]) and _romaji(b[2]) and self._joined(text, a, b)):
                continue
            first, second = self.stats.japanese_class(a[2]), self.stats.japanese_class(b[2])
            if first[1] and not first[0] and self._surname_only(b[2]) and second[0]:
                out.append((a[0], b[1]))
        return out

    def _vietnamese_name_word(self, w: str) -> bool:
        """A Vietnamese syllable clean news uses often ("Pat", "Dob" are not)."""
        return is_vietnamese_syllable(w) and self.stats.seen(w) >= _COMMON_WORD

    def _surname_only(self, w: str) -> bool:
        sur, given = self.stats.japanese_class(w)
        return sur > 0 and given == 0

    def _two_surnames(self, text: str, toks: list) -> Iterator[Span]:
        for i in range(len(toks) - 1):
            a, b = toks[i], toks[i + 1]
            if not (_title_case(a[2]) and _title_case(b[2]) and self._joined(text, a, b)):
                continue
            if not (_romaji(a[2]) and _romaji(b[2])):
                continue
            if i > 0 and _romaji(toks[i - 1][2]) and self._joined(text, toks[i - 1], a):
                continue  # inside a longer romanised name
            if not (self._surname_only(a[2]) and self._surname_only(b[2])):
                continue
            yield Span(
                a[0], b[1], "name", text[a[0] : b[1]], self.w.two_surnames,
                evidence=f"two Japanese surnames, '{a[2]}' and '{b[2]}', and no given name: "
                "a surname read in the given name's place",
            )

    def _hanviet_in_japanese_name(self, text: str, toks: list) -> Iterator[Span]:
        i = 0
        while i < len(toks):
            j = i
            while j + 1 < len(toks) and toks[j][2][:1].isupper() and toks[j + 1][2][:1].isupper() \
                    and self._joined(text, toks[j], toks[j + 1]):
                j += 1
            words = [t[2] for t in toks[i : j + 1]]
            for k, w in enumerate(words[:-1]):
                if not (_romaji(w) and self.stats.japanese_class(w) != (0, 0)):
                    continue
                hv = [r for r in words[k + 1 :] if _title_case(r) and is_vietnamese_syllable(r)]
                if hv:
                    a, e = toks[i + k][0], toks[j][1]
                    yield Span(
                        a, e, "name", text[a:e], self.w.hanviet_in_japanese_name,
                        evidence=f"Vietnamese syllable '{hv[0]}' inside the Japanese name "
                        f"'{text[a:e]}': part of the name read out in Hán-Việt",
                    )
                break
            i = j + 1

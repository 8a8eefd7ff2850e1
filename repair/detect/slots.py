"""Evidence from the slot a name stands in: rules over one sentence that need no alias table,
each a span whose category says what the words are and whose ``evidence`` says why, strong
enough (``SlotRuleWeights``) to flag a sentence on its own.

- pinyin where Vietnamese news writes a Vietnamese name, after a title (and the few words of an
  institution: "Chủ tịch Quốc hội Wang Tingyue") or a place word ("tỉnh Guangning"), that the
  Hán-Việt table reads back as a name clean news knows ("Nguyễn Xuân Phúc", "Quảng Ninh"), or,
  for a person, whose given name clean news never spells that way; not in a sentence about
  China, where pinyin may be right: ``pinyin``;
- a place name translated word by word into English after a place word ("huyện High Flat"):
  ``calque_name``;
- a Japanese name read syllable by syllable in Hán-Việt, which the Japanese reading tables
  (the Hán-Việt table -> kanji words of pykakasi's dictionary -> a known Japanese surname)
  read back as a Japanese name ("Tiểu Dã Tự Ngũ Điển" = 小野寺 五典): ``calque_name``;
- English words glued to a Japanese surname ("Onodera Five") or to a Vietnamese name after a
  title ("ông Lê Văn Mountain"): ``calque_name`` / ``name``.

Weights and thresholds were set on the dev families of ``tests/data/families`` (never on the
held-out ones) and on the clean dev sentences 5,000-10,254; false positives are stated in
``SlotRuleWeights``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from repair.detect.base import Span
from repair.detect.tokens import token_kind
from repair.names.stats import NameStats
from repair.text import english_zipf, is_pinyin_word, is_vietnamese_syllable, tokens
from repair.text.words import ROMAJI_RE

__all__ = ["SlotEvidence", "SlotRuleWeights"]


@dataclass(frozen=True)
class SlotRuleWeights:
    """How much each rule's span adds to the sentence score (noisy-or with the trained model's
    score; a weight above the shipped detector's operating threshold, 0.93, flags alone; see
    ``NameRuleWeights``). Measured together on the
    clean dev sentences 5,000-10,254: at the old threshold 0.8848 the shipped detector flags
    81 of 5,255 with the rules and 81 without them; at 0.93, 47. On 93,396 training sentences
    (every 7th of the first 700,000) the rules fire on 19 (0.02%: real places such as "thành
    phố Little Rock", Chinese people in pinyin). Dev family recall: 73/216 without them,
    202/216 with them at 0.93."""

    pinyin_in_name_slot: float = 0.95
    calque_place: float = 0.95
    hanviet_japanese_name: float = 0.95
    english_in_japanese_name: float = 0.95
    english_in_titled_name: float = 0.95


# Words after which Vietnamese news writes a person's name (compared lower-cased).
_PERSON_TITLES = (
    "ông", "bà", "ngài", "thủ tướng", "bộ trưởng", "thứ trưởng", "chủ tịch", "tổng thống",
    "bí thư", "tổng bí thư", "giám đốc", "đại sứ", "ngoại trưởng", "đô đốc", "đại tướng",
    "thượng tướng", "trung tướng", "thiếu tướng", "tướng", "tư lệnh", "tham mưu trưởng",
    "phó thủ tướng", "chủ tịch nước", "thống đốc", "tổng thư ký",
)
# Words after which it writes a place's name.
_PLACE_WORDS = ("tỉnh", "thành phố", "tp", "huyện", "quận", "thị xã", "cảng", "thị trấn")
_SLOT_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(_PERSON_TITLES + _PLACE_WORDS, key=len, reverse=True))
    + r")\.?(?= [^\W\d_])",  # a lookahead: a title's run does not hide a place word in it
    re.IGNORECASE,
)
# Country words that may stand between a title and the name ("Thủ tướng Việt Ruan Chunfu").
_NATIONALITY = tuple(
    tuple(c.split()) for c in (
        "việt nam|việt|nhật bản|nhật|trung quốc|mỹ|anh|pháp|nga|đức|úc|ý|hàn quốc|lào|"
        "thái lan|ấn độ"
    ).split("|")
)
# An English word is a gloss when it is at least this common in English ...
_GLOSS_ZIPF = 3.0
# English words of a calqued place are common words; foreign places that wordfreq lists
# ("Antwerp", "Kuwait", "Petersburg") are rarer (2.0 took "tỉnh Aichi" for English)
_PLACE_ZIPF = 3.5
# ... and clean news writes it capitalised fewer times than this (not a name or brand itself).
_GLOSS_CAPITALISED = 100
_CHINA = ("Trung Quốc", "Trung Hoa", "Đài Loan", "Hồng Kông", "Hong Kong", "Bắc Kinh")
_LOANWORD = 50  # a lower-case English word clean news uses this often is a loanword
_SURNAME = 300  # times a syllable starts a Vietnamese name in clean news, to stand alone
_BRAND = 200  # a Japanese surname clean news writes this often is a maker's name too
_KNOWN_PLACE = 100  # a Vietnamese run clean news writes this often is a name in its own right
_UNSEEN = 5  # a romaji word clean news wrote fewer times than this is an unknown name
_INSTITUTION_WORDS = 4  # Vietnamese words a title may take before the name
_KNOWN_NAME = 20  # times clean news wrote the name a pinyin run reads back as
_MIN_JP_RUN = 3  # syllables of a Hán-Việt reading of a Japanese name (surname 2 + given 1+)


def _cap(w: str) -> bool:
    return w[:1].isupper()


class SlotEvidence:
    """The rules of the module docstring over one sentence."""

    def __init__(self, stats: NameStats, weights: SlotRuleWeights | None = None):
        self.stats = stats
        self.w = weights or SlotRuleWeights()

    def spans(self, text: str) -> list[Span]:
        out: list[Span] = []
        japan = "Nhật" in text
        for m in _SLOT_RE.finditer(text):
            slot = m.group(1).lower()
            run = self._run(text, m.end())
            if not run:
                continue
            if slot in _PLACE_WORDS:
                out += self._place(text, slot, run)
            else:
                out += self._person(text, slot, run, japan)
        if japan:
            out += self._japanese_english(text)
        return out

    @staticmethod
    def _run(text: str, start: int) -> list[tuple[int, int, str]]:
        """The capitalised words after a slot word, one space apart (lower-case English words
        may follow a capitalised start: "Tây canon")."""
        run: list[tuple[int, int, str]] = []
        prev = start
        for t in tokens(text[start : start + 120]):
            a, b, w = start + t.start(), start + t.end(), t.group(0)
            if text[prev:a] != " ":
                break
            prev = b
            if not _cap(w) and not (
                run and w.isascii() and w.isalpha() and not is_vietnamese_syllable(w)
            ):
                break
            run.append((a, b, w))
        return run

    def _run_after_words(self, text: str, start: int) -> list[tuple[int, int, str]]:
        """The first capitalised run of non-Vietnamese words within a few Vietnamese words
        (an institution: "Quốc hội", "Bộ Y tế") after ``start``, none of them punctuation."""
        prev, skipped = start, 0
        for t in tokens(text[start : start + 80]):
            a, w = start + t.start(), t.group(0)
            if text[prev:a].strip():
                return []
            if not is_vietnamese_syllable(w):
                return self._run(text, a - 1) if _cap(w) else []
            skipped += 1
            if skipped > _INSTITUTION_WORDS:
                return []
            prev = start + t.end()
        return []

    # ------------------------------------------------------------------ pinyin and calques

    def _place(self, text: str, slot: str, run: list) -> Iterator[Span]:
        words = [w for *_, w in run]
        a, e = run[0][0], run[-1][1]
        japanese = "Nhật" in text and all(
            ROMAJI_RE.match(w.lower()) and _japanese_class(self.stats, w.lower()) != (0, 0)
            for w in words
        )  # "tỉnh Fukui" reads as pinyin too
        back = None if _china(text) or japanese else self._vietnamese_reading(words, text)
        if back:
            yield Span(
                a, e, "pinyin", text[a:e], self.w.pinyin_in_name_slot,
                evidence=f"pinyin '{text[a:e]}' after '{slot}' reads back through the Hán-Việt "
                f"table as '{back}",
            )
        elif (
            len(words) >= 2  # one English-looking word is a foreign place ("thành phố Boston")
            and all(self._english(w, _PLACE_ZIPF) for w in words)
            and not self._known(words)
        ):
            a, e = run[0][0], run[-1][1]
            yield Span(
                a, e, "calque_name", text[a:e], self.w.calque_place,
                evidence=f"English words '{text[a:e]}' after '{slot}': a place name translated "
                "word by word",
            )

    def _person(self, text: str, slot: str, run: list, japan: bool) -> Iterator[Span]:
        words = [w for *_, w in run]
        k, low = 0, [w.lower() for w in words]
        while any(tuple(low[k : k + len(c)]) == c for c in _NATIONALITY):
            k += next(len(c) for c in _NATIONALITY if tuple(low[k : k + len(c)]) == c)
        name = run[k:]
        if not name:
            return
        names = [w for *_, w in name]
        a, e = name[0][0], name[-1][1]
        # a person's name in pinyin has a surname and a given name ("bà Linda" is one word)
        back = self._vietnamese_reading(names, text, True) if len(names) >= 2 else None
        if not back:  # the name a few words on: "Chủ tịch Quốc hội Wang Tingyue"
            near = self._run_after_words(text, run[0][0])
            if len(near) >= 2:
                back = self._vietnamese_reading([w for *_, w in near], text, True)
                a, e = near[0][0], near[-1][1]
        back = None if _china(text) else back
        if back:
            yield Span(
                a, e, "pinyin", text[a:e], self.w.pinyin_in_name_slot,
                evidence=f"pinyin '{text[a:e]}' after '{slot}' reads back through the Hán-Việt "
                f"table as '{back}",
            )
            return
        vi = 0
        while vi < len(names) and is_vietnamese_syllable(names[vi]):
            vi += 1
        prefix = names[:vi]
        # several syllables without a tone mark, or a name clean news knows (a place, a
        # club), are a brand's or a place's ("Giám đốc Phu Vinh Investment")
        if vi == 1:  # a surname alone: one that often starts a name ("Phan", not "Don")
            glossed = _resolver().gaz.syllables.get(prefix[0].lower(), (0, 0))[0] >= _SURNAME
        else:
            glossed = not (" ".join(prefix).isascii() or self._place_like(prefix))
        if glossed and vi < len(names) and all(self._gloss_word(w) for w in names[vi:]):
            yield Span(
                a, e, "name", text[a:e], self.w.english_in_titled_name,
                evidence=f"English '{' '.join(names[vi:])}' inside the name "
                f"'{' '.join(names[:vi])} …' after '{slot}': a name syllable translated by "
                "meaning",
            )
            return
        if japan and vi == len(names) and len(names) >= _MIN_JP_RUN:
            found = self._read_japanese(" ".join(names))
            if found:
                yield Span(
                    a, e, "calque_name", text[a:e], self.w.hanviet_japanese_name,
                    evidence=f"'{text[a:e]}' reads syllable by syllable as the Japanese name "
                    f"{found}: a Japanese name read out in Hán-Việt",
                )

    def _known(self, words: list[str]) -> bool:
        """Clean news uses every word of the run capitalised often: a real name."""
        return all(self.stats.seen(w) - self.stats.seen_lower(w) >= 200 for w in words)

    def _vietnamese_reading(self, words: list[str], text: str, person: bool = False) -> str | None:
        """The Vietnamese name clean news knows (the gazetteer) that a pinyin run reads back
        as through the Hán-Việt table ("Guangning" -> "Quảng Ninh"); None if there is none."""
        # pinyin words; toneless ones may also be Vietnamese syllables ("Su Lin" = Tô Lâm)
        if not all(
            token_kind(w) == "pinyin" or (w.isascii() and is_pinyin_word(w)) for w in words
        ) or self._known(words):
            return None
        cands = _resolver().resolve(" ".join(words), text, top_k=1)
        if not cands or _bare(cands[0].name) == _bare(" ".join(words)):
            return None  # not pinyin, or the same name without tone marks ("Ha Nam")
        if cands[0].known >= _KNOWN_NAME:
            return f"{cands[0].name}', a name Vietnamese news writes in Vietnamese"
        if person and len(words) >= 2 and all(self.stats.seen(w) < _UNSEEN for w in words[1:]):
            # a given name in a pinyin spelling clean news never uses ("Wang Tingyue")
            return f"{cands[0].name}' (a given name no clean sentence spells this way)"
        return None

    @staticmethod
    def _english(w: str, zipf: float = 3.0) -> bool:
        return (
            len(w) >= 3 and w.isalpha() and not is_vietnamese_syllable(w)
            and english_zipf(w.lower()) >= zipf
        )

    def _gloss_word(self, w: str) -> bool:
        """An English word that is no Vietnamese syllable, no Japanese name word, and that clean
        news rarely writes as it stands here (capitalised: not a name or brand itself; lower
        case: not a loanword)."""
        low = w.lower()
        if not self._english(w, _GLOSS_ZIPF):
            return False
        if _japanese_class(self.stats, low) != (0, 0) and ROMAJI_RE.match(low):
            return False
        if w.islower():
            return self.stats.seen_lower(w) < _LOANWORD
        return self.stats.seen(w) - self.stats.seen_lower(w) < _GLOSS_CAPITALISED

    @staticmethod
    def _place_like(words: list[str]) -> bool:
        """Clean news writes these capitalised syllables often, mostly after place words
        (the gazetteer): a place or an organisation's name ("Hà Nội"), not a person's."""
        entry = _resolver().gaz.lookup(words)
        return bool(entry) and entry[0] >= _KNOWN_PLACE and entry[2] > entry[1]

    # ------------------------------------------------------------------ Japanese names

    def _read_japanese(self, run: str) -> str | None:
        """The Japanese name the reading tables find for a Hán-Việt run: a segmentation into a
        surname word of 2+ kanji that the name statistics know as a surname, then a given name
        word the statistics know as one."""
        if _resolver().gaz.lookup(run.split()) is not None:
            return None  # a name clean news writes: Vietnamese
        for cand in _reader().read(run, top_k=5):
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
            if english_zipf(low) >= _PLACE_ZIPF or self.stats.seen(w) >= _BRAND:
                continue  # "Japanese Motorcycle"; a maker's name: "Honda Cross Cub"
            sur, given = _japanese_class(self.stats, low)
            if sur <= given and not (sur == given == 0 and self.stats.seen(w) < _UNSEEN):
                continue  # not known as a surname, nor a romaji word news never writes
            j = i + 1
            while (
                j < len(toks) and text[toks[j - 1][1] : toks[j][0]] == " "
                and self._gloss_word(toks[j][2])
            ):
                j += 1
            if j > i + 1:
                e = toks[j - 1][1]
                yield Span(
                    s, e, "calque_name", text[s:e], self.w.english_in_japanese_name,
                    evidence=f"English '{text[toks[i + 1][0]:e]}' after the Japanese surname "
                    f"'{w}': a given name translated kanji by kanji",
                )


def _bare(text: str) -> str:
    """Lower case without tone marks or diacritics ("Tô Lâm" -> "to lam")."""
    d = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in d if not unicodedata.combining(c))


def _china(text: str) -> bool:
    """A sentence about China, where pinyin may be a Chinese name written right ("thành phố
    Yulin, Quảng Tây - Trung Quốc")."""
    return any(w in text for w in _CHINA)


def _japanese_class(stats: NameStats, romaji: str) -> tuple[int, int]:
    """(surname, given) evidence of a romaji word, also spelled with its long vowels as
    pykakasi writes them ("kato" -> "katou")."""
    for form in (romaji, romaji + "u", romaji.replace("o", "ou"), romaji.replace("u", "uu")):
        found = stats.japanese_class(form)
        if found != (0, 0):
            return found
    return (0, 0)


@functools.lru_cache(maxsize=1)
def _resolver():
    from repair.names import NamesSettings, load_resolver

    return load_resolver(NamesSettings())


@functools.lru_cache(maxsize=1)
def _reader():
    from repair import project_path
    from repair.names import NamesSettings, load_hanviet
    from repair.names.japanese import JapaneseReader

    return JapaneseReader(load_hanviet(project_path(NamesSettings().hanviet)))

"""Evidence from the slot a name stands in: rules over one sentence that need no alias table,
each a span whose category says what the words are and whose ``evidence`` says why, strong
enough (``SlotRuleWeights``) to flag a sentence on its own.

- pinyin where Vietnamese news writes a Vietnamese name, after a title (and the few words of an
  institution: "Chủ tịch Quốc hội Wang Tingyue") or a place word ("tỉnh Guangning"), that the
  Hán-Việt table reads back as a name clean news knows ("Nguyễn Xuân Phúc", "Quảng Ninh"), or
  whose spelling clean news never uses: a person's given name, or a place of 2+ syllables read
  back as a name clean news writes ("huyện Guiren" = Quý Nhân); not in a sentence about China,
  where pinyin may be right: ``pinyin``;
- a place name translated word by word into English after a place word ("huyện High Flat",
  "thị xã Sea Sun"): English dictionary words, at least half of them common ones, the rarer
  ones no name clean news writes, no function word, not a phrase clean news writes ("New
  York"): ``calque_name``;
- a Japanese name read syllable by syllable in Hán-Việt, which the Japanese reading tables
  (the Hán-Việt table -> kanji words of pykakasi's dictionary -> a known Japanese surname)
  read back as a Japanese name ("Tiểu Dã Tự Ngũ Điển" = 小野寺 五典); after "Nhật Bản" any
  reading as Japanese words will do ("Lâm Phương Chinh" = 林 芳正): ``calque_name``
  (``repair.detect.slots_japanese``);
- English words glued to a Japanese surname ("Onodera Five") or to a Vietnamese name after a
  title ("ông Lê Văn Mountain"): ``calque_name`` / ``name``.

Weights and thresholds were set on the dev families of ``tests/data/families`` (``dev`` and,
since issue #22's second round, the spent ``heldout``; never on ``fresh``), on the clean dev
sentences 5,000-10,254 and on every 7th training sentence; false positives are stated in
``SlotRuleWeights``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from repair.detect.base import Span
from repair.detect.slots_japanese import (
    _PLACE_ZIPF,
    _UNSEEN,
    JapaneseSlotRules,
    _cap,
    _japanese_class,
)
from repair.detect.tokens import token_kind
from repair.names import NamesSettings, load_resolver
from repair.names.resolve import Resolver
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
    202/216 with them at 0.93. Second round (#22): the rules fire on 17 of those 93,396
    (18 before it, same script) and on none of the clean dev sentences; family recall without
    aliases 212/216 dev, 208/216 spent held-out, 203/216 fresh (measured once)."""

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
# An English word is a gloss when it is at least this common in English (2.5 took Korean
# given names, "Jin", "Seok", and "Antlers" of "Kashima Antlers" for glosses) ...
_GLOSS_ZIPF = 3.0
# ... or, after a name written with Vietnamese tone marks ("Thái", not "Kim": no Korean name
# carries one), a rarer dictionary word ("Filial")
_VI_GLOSS_ZIPF = 2.5
# English words of a calqued place are dictionary words, and at least half of them common ones
# (_PLACE_ZIPF); a rarer one ("Brocade Wide") is no name clean news writes capitalised
# (fewer than _UNSEEN times): foreign places that wordfreq lists ("Antwerp", "Madhya
# Pradesh", "Petersburg") are. 2.0 alone took "tỉnh Aichi" for English.
_CALQUE_WORD_ZIPF = 2.3
_FUNCTION_ZIPF = 6.5  # "the", "of", "and": no word of a place name translated by meaning
# ... and clean news writes it capitalised fewer times than this (not a name or brand itself).
_GLOSS_CAPITALISED = 100
_CHINA = ("Trung Quốc", "Trung Hoa", "Đài Loan", "Hồng Kông", "Hong Kong", "Bắc Kinh")
_LOANWORD = 50  # a lower-case English word clean news uses this often is a loanword
_SURNAME = 100  # times a syllable starts a Vietnamese name in clean news, to stand alone
_KNOWN_PLACE = 100  # a Vietnamese run clean news writes this often is a name in its own right
_INSTITUTION_WORDS = 4  # Vietnamese words a title may take before the name
_KNOWN_NAME = 20  # times clean news wrote the name a pinyin run reads back as
_MIN_JP_RUN = 3  # syllables of a Hán-Việt reading of a Japanese name (surname 2 + given 1+)
_PINYIN_PLACE_SYLLABLES = 2  # a place in pinyin clean news never wrote: 2+ syllables


class SlotEvidence(JapaneseSlotRules):
    """The rules of the module docstring over one sentence."""

    def __init__(self, stats: NameStats, weights: SlotRuleWeights | None = None,
                 names: NamesSettings | None = None):
        self.stats = stats
        self.w = weights or SlotRuleWeights()
        # the pipeline's name tables (its ``names`` settings), loaded when a rule first needs
        # them (a second), cached per process by their paths
        self.names = names or NamesSettings()

    @functools.cached_property
    def resolver(self) -> Resolver:
        """Loaded (or found in the process cache) once per instance: resolving the table
        paths on every slot cost more than the rules that use them."""
        return load_resolver(self.names)

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
        elif len(words) >= 2 and self._calqued(words):
            # one English-looking word is a foreign place ("thành phố Boston")
            a, e = run[0][0], run[-1][1]
            yield Span(
                a, e, "calque_name", text[a:e], self.w.calque_place,
                evidence=f"English words '{text[a:e]}' after '{slot}': a place name translated "
                "word by word",
            )

    def _person(self, text: str, slot: str, run: list, japan: bool) -> Iterator[Span]:
        words = [w for *_, w in run]
        low = [w.lower() for w in words]
        # one country word: "Nhật Bản Anh Nội Nghĩa Hùng" is a name that starts with "Anh"
        k = next((len(c) for c in _NATIONALITY if tuple(low[: len(c)]) == c), 0)
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
            glossed = self._surname(prefix[0])
        else:
            glossed = not (" ".join(prefix).isascii() or self._place_like(prefix))
        zipf = _GLOSS_ZIPF if " ".join(prefix).isascii() else _VI_GLOSS_ZIPF
        if glossed and vi < len(names) and all(self._gloss_word(w, zipf) for w in names[vi:]):
            yield Span(
                a, e, "name", text[a:e], self.w.english_in_titled_name,
                evidence=f"English '{' '.join(names[vi:])}' inside the name "
                f"'{' '.join(names[:vi])} …' after '{slot}': a name syllable translated by "
                "meaning",
            )
            return
        if japan and vi == len(names) and len(names) >= _MIN_JP_RUN:
            # "Thủ tướng Nhật Bản <name>": the text itself says the name is Japanese
            marked = k > 0 and low[k - 1] in ("nhật", "bản")
            found = self._read_japanese(" ".join(names), marked)
            if found:
                yield Span(
                    a, e, "calque_name", text[a:e], self.w.hanviet_japanese_name,
                    evidence=f"'{text[a:e]}' reads syllable by syllable as the Japanese name "
                    f"{found}: a Japanese name read out in Hán-Việt",
                )

    def _calqued(self, words: list[str]) -> bool:
        """Dictionary words of English, at least half of them common, none of the rarer ones a
        name clean news writes capitalised, and not a phrase clean news writes ("New York",
        "Saint Petersburg", the alias counts)."""
        zipfs = [english_zipf(w.lower()) for w in words]
        # a toneless word a Vietnamese syllable could spell ("Rich", "Sun"; not "San", "Son",
        # which clean news writes in lower case) counts when it is a common English word and
        # another word of the run is no Vietnamese syllable; a function word ("The Hague")
        # is no translated name
        if not all(
            self._english(w, _CALQUE_WORD_ZIPF)
            or (w.isascii() and len(w) >= 3 and z >= _PLACE_ZIPF
                and self.stats.seen_lower(w) < _LOANWORD)
            for w, z in zip(words, zipfs, strict=True)
        ) or all(is_vietnamese_syllable(w) for w in words) or max(zipfs) >= _FUNCTION_ZIPF:
            return False
        if 2 * sum(z >= _PLACE_ZIPF for z in zipfs) < len(words):
            return False
        if any(z < _PLACE_ZIPF and self.stats.seen(w) - self.stats.seen_lower(w) >= _UNSEEN
               for w, z in zip(words, zipfs, strict=True)):
            return False
        return not _phrase_seen(" ".join(words))

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
        cands = self.resolver.resolve(" ".join(words), text, top_k=1)
        if not cands or _bare(cands[0].name) == _bare(" ".join(words)):
            return None  # not pinyin, or the same name without tone marks ("Ha Nam")
        if cands[0].known >= _KNOWN_NAME:
            return f"{cands[0].name}', a name Vietnamese news writes in Vietnamese"
        if person and len(words) >= 2 and all(self.stats.seen(w) < _UNSEEN for w in words[1:]):
            # a given name in a pinyin spelling clean news never uses ("Wang Tingyue")
            return f"{cands[0].name}' (a given name no clean sentence spells this way)"
        if (
            not person and all(self.stats.seen(w) < _UNSEEN for w in words)
            and cands[0].known >= _UNSEEN  # read as a name clean news writes (not "Musan")
            and len(self.resolver.segmentations(" ".join(words))[0]) >= _PINYIN_PLACE_SYLLABLES
        ):  # a place in a pinyin spelling clean news never uses ("huyện Guiren")
            return f"{cands[0].name}' (a place no clean sentence spells this way)"
        return None

    @staticmethod
    def _english(w: str, zipf: float = 3.0) -> bool:
        return (
            len(w) >= 3 and w.isalpha() and not is_vietnamese_syllable(w)
            and english_zipf(w.lower()) >= zipf
        )

    def _gloss_word(self, w: str, zipf: float = _GLOSS_ZIPF) -> bool:
        """An English word that is no Vietnamese syllable, no Japanese name word, and that clean
        news rarely writes as it stands here (capitalised: not a name or brand itself; lower
        case: not a loanword)."""
        low = w.lower()
        if not self._english(w, zipf):
            return False
        if _japanese_class(self.stats, low) != (0, 0) and ROMAJI_RE.match(low):
            return False
        if w.islower():
            return self.stats.seen_lower(w) < _LOANWORD
        return self.stats.seen(w) - self.stats.seen_lower(w) < _GLOSS_CAPITALISED

    def _surname(self, syllable: str) -> bool:
        """Clean news starts a Vietnamese name with this syllable often (the gazetteer)."""
        return self.resolver.gaz.syllables.get(syllable.lower(), (0, 0))[0] >= _SURNAME

    def _place_like(self, words: list[str]) -> bool:
        """Clean news writes these capitalised syllables often, mostly after place words
        (the gazetteer): a place or an organisation's name ("Hà Nội"), not a person's."""
        entry = self.resolver.gaz.lookup(words)
        return bool(entry) and entry[0] >= _KNOWN_PLACE and entry[2] > entry[1]

def _bare(text: str) -> str:
    """Lower case without tone marks or diacritics ("Tô Lâm" -> "to lam")."""
    d = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in d if not unicodedata.combining(c))


def _china(text: str) -> bool:
    """A sentence about China, where pinyin may be a Chinese name written right ("thành phố
    Yulin, Quảng Tây - Trung Quốc")."""
    return any(w in text for w in _CHINA)


@functools.lru_cache(maxsize=4096)
def _phrase_seen(phrase: str) -> bool:
    """Clean news writes this phrase often (the alias stage's corpus counts, 50+ times)."""
    from repair.aliases.counts import news_count

    return news_count(phrase) > 0

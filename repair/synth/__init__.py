"""Seeded synthetic generator of Chinese→Vietnamese machine-translation artifacts.

Takes clean Vietnamese news sentences and returns :class:`SyntheticPair` objects:
the clean sentence (unchanged, NFC), a corrupted copy, and the exact character
spans (in the corrupted text) of every corruption with its category and the clean
substring it replaced.  Used to train (a) a sentence/span artifact detector and
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

Resources (Hán-Việt table, Vietnamese word list, Chinese/Japanese character
frequencies, English word list) are loaded once per path pair and cached.
"""

from __future__ import annotations

import ast
import csv
import functools
import logging
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repair import project_path
from repair.synth.tables import (
    CALQUES,
    CLASSIFIERS,
    ENGLISH_INSERTS,
    ENGLISH_SUBS,
    ENGLISH_TAILS,
    FUNCTION,
    JP_GIVEN,
    JP_SURNAMES,
    KANJI_EN,
    KNOWN_TERMS,
    MONTHS,
    MONTHS_ABBR,
    NOT_NAMES,
    PERSON_TITLES,
    PLACE_PREFIXES,
    QUANT,
    RELATIVE_EN,
    SHINJITAI,
    SURNAMES_PINYIN,
    TITLES,
    WEEKDAYS,
    WORD_EN,
)

log = logging.getLogger(__name__)

CATEGORIES = ("pinyin", "calque_name", "term", "calque", "english", "date", "duplicate", "grammar")

DEFAULT_FAMILY_WEIGHTS: Mapping[str, float] = {
    # Relative priorities, not shares: a family is only tried where it applies (in news text
    # pinyin/calque_name ~9% of sentences, calque ~9%, date ~6%, term ~30%, the rest ~80-99%),
    # so the rare families get large weights to keep the realised shares balanced.
    "pinyin": 12.0,
    "calque_name": 8.0,
    "term": 2.5,
    "calque": 12.0,
    "english": 0.6,
    "date": 14.0,
    "duplicate": 0.6,
    "grammar": 0.7,
}

@dataclass(frozen=True)
class SynthSettings:
    seed: int = 0
    rate: float = 0.5
    max_corruptions: int = 2
    family_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_FAMILY_WEIGHTS)
    )
    hanviet_csv: Path = Path("../shared/data/lexicon/hanviet/hanviet.csv")
    vi_words: Path = Path("../shared/data/lexicon/vi_words.txt")
    # calque_name may replace a Vietnamese person name by a Japanese table name's
    # calque; the clean side keeps the original name (set False when the corrupted
    # side must stay recoverable from itself, e.g. for rewriter training).
    substitute_names: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.family_weights) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown families in family_weights: {sorted(unknown)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be in [0, 1]")
        if self.max_corruptions < 1:
            raise ValueError("max_corruptions must be >= 1")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str
    text: str
    original: str


@dataclass(frozen=True)
class SyntheticPair:
    clean: str
    corrupted: str
    spans: tuple[Span, ...]


_WORD_RE = re.compile(r"\w+")
_TONE_RE = re.compile(r"[0-9]")

Edit = tuple[int, int, str, str]  # (start, end, replacement, category) in clean coordinates


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _is_cap(w: str) -> bool:
    return w[0].isupper() and (len(w) == 1 or w[1:].islower()) and w.isalpha()


def _match_case(orig: str, rep: str) -> str:
    if orig[:1].isupper() and rep[:1].islower():
        return rep[0].upper() + rep[1:]
    return rep


def _reorder(first: str, rest: str, at_start: bool) -> str:
    """Join two moved pieces; at sentence start move the capital to the new first word."""
    if at_start and rest[:1].isupper() and rest[1:].split(" ")[0].islower() and first[:1].islower():
        rest = rest[0].lower() + rest[1:]
    if at_start:
        first = first[0].upper() + first[1:]
    return f"{first} {rest}"


def _sentence_start(text: str, pos: int) -> bool:
    head = text[:pos].rstrip(' "“(')
    return not head or head[-1] in ".!?:"


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    alts = sorted({p for p in phrases}, key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alts) + r")(?!\w)", re.IGNORECASE
    )


def _case_ok(found: str, phrase: str) -> bool:
    """The found text equals the table phrase up to the case of its first letter."""
    return found[1:] == phrase[1:] and found[:1].lower() == phrase[:1].lower()


# ------------------------------------------------------------------------ resources


@dataclass
class _Resources:
    reading_chars: dict[str, list[str]]  # Hán-Việt syllable → chars, most frequent first
    char_pinyin: dict[str, str]  # char → toneless pinyin (first reading)
    char_hanviet: dict[str, str]  # char → first Hán-Việt reading
    vi_syllables: frozenset[str]
    vi_words: frozenset[str]  # multi-syllable dictionary words, lowercase
    en_by_prefix: dict[str, list[str]]  # two-letter prefix → English words (len >= 5)


@functools.lru_cache(maxsize=4)
def _load_resources(hanviet_csv: Path, vi_words_path: Path) -> _Resources:
    from pypinyin import Style, lazy_pinyin, pinyin
    from wordfreq import get_frequency_dict, top_n_list

    if not hanviet_csv.exists():
        raise FileNotFoundError(f"Hán-Việt table not found: {hanviet_csv}")
    zh = get_frequency_dict("zh")
    ja = get_frequency_dict("ja")
    reading_sets: dict[str, set[str]] = {}
    char_pinyin: dict[str, str] = {}
    char_hanviet: dict[str, str] = {}
    preferred: dict[str, tuple[str, str] | None] = {}

    @functools.cache
    def default_py(ch: str) -> str:
        got = pinyin(ch, style=Style.TONE3, heteronym=False)
        return got[0][0] if got and got[0] else ""

    with hanviet_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ch = row["char"]
            try:
                readings = [_nfc(r).lower() for r in ast.literal_eval(row["hanviet"])]
            except (ValueError, SyntaxError):
                continue
            py = row["pinyin"].strip()
            if py != "*" and py and default_py(ch) == py:
                preferred[ch] = (py, readings[0]) if readings else None
            if py == "*" or not py:
                got = lazy_pinyin(ch, style=Style.NORMAL)
                py = got[0] if got and got[0] != ch else ""
            py = _TONE_RE.sub("", py).replace("u:", "u").replace("ü", "u").replace("v", "u")
            if not py.isalpha():
                continue
            char_pinyin.setdefault(ch, py)
            for r in readings:
                char_hanviet.setdefault(ch, r)
                reading_sets.setdefault(r, set()).add(ch)
    for ch, pref in preferred.items():  # the everyday reading of 上 is thượng/shang, not thướng
        if pref is not None:
            char_pinyin[ch] = _TONE_RE.sub("", pref[0]).replace("u:", "u").replace("v", "u")
            char_hanviet[ch] = pref[1]

    def freq(c: str) -> float:
        return max(zh.get(c, 0.0), ja.get(c, 0.0))

    reading_chars = {r: sorted(cs, key=lambda c: (-freq(c), c)) for r, cs in reading_sets.items()}
    syll: set[str] = set(reading_chars)
    words: set[str] = set()
    if vi_words_path.exists():
        with vi_words_path.open(encoding="utf-8") as fh:
            for line in fh:
                w = _nfc(line.strip()).lower()
                if not w:
                    continue
                parts = w.split()
                syll.update(parts)
                if 2 <= len(parts) <= 3:
                    words.add(w)
    else:
        log.warning(
            "Vietnamese word list not found (%s): duplicate/grammar families degrade", vi_words_path
        )
    en_by_prefix: dict[str, list[str]] = {}
    for w in top_n_list("en", 30000):
        if len(w) >= 5 and w.isascii() and w.isalpha():
            en_by_prefix.setdefault(w[:2], []).append(w)
    log.info(
        "synth resources: %d readings, %d syllables, %d words",
        len(reading_chars),
        len(syll),
        len(words),
    )
    return _Resources(
        reading_chars, char_pinyin, char_hanviet, frozenset(syll), frozenset(words), en_by_prefix
    )


# ------------------------------------------------------------------------ per-sentence


class _Ctx:
    """Tokenised sentence with lazily computed analyses."""

    __slots__ = ("text", "toks", "_names", "_dictwords")

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
        self._names: list[tuple[int, int]] | None = None
        self._dictwords: list[tuple[int, int]] | None = None

    def adjacent(self, i: int) -> bool:
        """Token i and i+1 are separated by exactly one space."""
        return (
            i + 1 < len(self.toks)
            and self.toks[i][1] + 1 == self.toks[i + 1][0]
            and self.text[self.toks[i][1]] == " "
        )

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span of tokens i..j-1."""
        return self.toks[i][0], self.toks[j - 1][1]

    def words(self, i: int, j: int) -> str:
        return self.text[self.toks[i][0] : self.toks[j - 1][1]]

    def chain(self, i: int, n: int) -> bool:
        """Tokens i..i+n-1 exist and are joined by single spaces."""
        if i < 0 or i + n > len(self.toks):
            return False
        return all(self.adjacent(k) for k in range(i, i + n - 1))


class Synthesizer:
    """Holds settings and loaded resources; :meth:`corrupt` one sentence at a time."""

    def __init__(self, settings: SynthSettings = SynthSettings()) -> None:
        self.settings = settings
        self.res = _load_resources(
            project_path(settings.hanviet_csv), project_path(settings.vi_words)
        )
        weights = {c: float(settings.family_weights.get(c, 0.0)) for c in CATEGORIES}
        self.families = [(c, w) for c, w in weights.items() if w > 0]
        self._propose: dict[str, Callable[[_Ctx, random.Random], list[Edit]]] = {
            "pinyin": self._pinyin,
            "calque_name": self._calque_name,
            "term": self._term,
            "calque": self._calque,
            "english": self._english,
            "date": self._date,
            "duplicate": self._duplicate,
            "grammar": self._grammar,
        }
        self._calque_map = {p.lower(): (p, alts) for p, alts in CALQUES}
        self._calque_re = _phrase_regex(p for p, _ in CALQUES)
        self._en_map = {p.lower(): (p, alts) for p, alts in ENGLISH_SUBS}
        self._en_re = _phrase_regex(p for p, _ in ENGLISH_SUBS)
        self._jp_sur_list = sorted(JP_SURNAMES)
        self._jp_given_list = sorted(JP_GIVEN)

    # ---------------------------------------------------------------- driver
    def corrupt(self, text: str, rng: random.Random) -> SyntheticPair:
        clean = _nfc(text)
        st = self.settings
        if not clean or not self.families or rng.random() >= st.rate:
            return SyntheticPair(clean, clean, ())
        k = rng.randint(1, st.max_corruptions)
        ctx = _Ctx(clean)
        # weighted random order of families (Efraimidis–Spirakis keys)
        order = sorted(self.families, key=lambda cw: rng.random() ** (1.0 / cw[1]), reverse=True)
        chosen: list[Edit] = []
        for cat, _w in order:
            if len(chosen) >= k:
                break
            cands = self._propose[cat](ctx, rng)
            rng.shuffle(cands)
            for e in cands:
                s, t, rep, _ = e
                if not rep or rep == clean[s:t] or rep != rep.strip() or s >= t:
                    continue
                if all(t < s2 or t2 < s for s2, t2, _, _ in chosen):
                    chosen.append((s, t, _nfc(rep), cat))
                    break
        return _apply(clean, chosen)

    # ---------------------------------------------------------------- helpers
    def _vn_names(self, ctx: _Ctx) -> list[tuple[int, int]]:
        """Token ranges [i, j) of Vietnamese person names with Hán-Việt-convertible syllables."""
        if ctx._names is not None:
            return ctx._names
        toks, out = ctx.toks, []
        n, i = len(toks), 0
        readings = self.res.reading_chars
        while i < n:
            if not _is_cap(toks[i][2]):
                i += 1
                continue
            j = i + 1
            while j < n and ctx.adjacent(j - 1) and _is_cap(toks[j][2]):
                j += 1
            run = [t[2].lower() for t in toks[i:j]]
            if (
                2 <= len(run) <= 4
                and " ".join(run[:2]) not in NOT_NAMES
                and all(r in readings for r in run)
            ):
                before = ctx.text[max(0, toks[i][0] - 25) : toks[i][0]].lower().split()
                prev1 = before[-1] if before else ""
                prev2 = " ".join(before[-2:]) if len(before) >= 2 else ""
                prev3 = " ".join(before[-3:]) if len(before) >= 3 else ""
                if prev1 in PLACE_PREFIXES or prev2 in PLACE_PREFIXES or prev1 == "tp.":
                    pass
                elif (
                    run[0] in SURNAMES_PINYIN
                    or prev1 in TITLES
                    or prev2 in TITLES
                    or prev3 in TITLES
                ):
                    out.append((i, j))
            elif (
                j == i + 1
                and run[0] in readings
                and i > 0
                and ctx.adjacent(i - 1)
                and toks[i - 1][2] in PERSON_TITLES
            ):
                out.append((i, j))  # "ông Phúc": single given name after a personal title
            i = j
        ctx._names = out
        return out

    def _dict_words(self, ctx: _Ctx) -> list[tuple[int, int]]:
        """Greedy longest-match segmentation: token ranges [i, j) of 2–3 syllable words."""
        if ctx._dictwords is not None:
            return ctx._dictwords
        toks, words, out = ctx.toks, self.res.vi_words, []
        i, n = 0, len(toks)
        while i < n:
            for L in (3, 2):
                if ctx.chain(i, L):
                    w = ctx.words(i, i + L).lower()
                    if w in words:
                        parts = w.split()
                        if parts[0] not in FUNCTION and parts[-1] not in FUNCTION:
                            out.append((i, i + L))
                        i += L
                        break
            else:
                i += 1
        ctx._dictwords = out
        return out

    def _syll_pinyin(self, syl: str, first: bool, rng: random.Random) -> str | None:
        if first and syl in SURNAMES_PINYIN:
            ch = SURNAMES_PINYIN[syl]
            py = self.res.char_pinyin.get(ch)
            if py:
                return py
        chars = self.res.reading_chars.get(syl)
        if not chars:
            return None
        ch = chars[0] if rng.random() < 0.8 or len(chars) == 1 else rng.choice(chars[:3])
        return self.res.char_pinyin.get(ch)

    def _english_lookalike(self, base: str, rng: random.Random) -> str | None:
        cands = self.res.en_by_prefix.get(base[:2].lower())
        if not cands:
            return None
        return rng.choice(cands[:200]).capitalize()

    # ---------------------------------------------------------------- families
    def _pinyin(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for i, j in self._vn_names(ctx):
            sylls = [t[2].lower() for t in ctx.toks[i:j]]
            pys = [self._syll_pinyin(s, k == 0, rng) for k, s in enumerate(sylls)]
            if any(p is None for p in pys):
                continue
            pys_s: list[str] = [p for p in pys if p]
            sur, given = pys_s[0].capitalize(), "".join(pys_s[1:]).capitalize()
            u = rng.random()
            if u < 0.6:
                rep = f"{sur} {given}"
            elif u < 0.75:
                rep = " ".join(p.capitalize() for p in pys_s)
            elif u < 0.85:
                rep = "".join(pys_s).capitalize()
            elif u < 0.9:
                rep = f"{given} {sur}"
            else:
                rep = self._english_lookalike("".join(pys_s), rng) or f"{sur} {given}"
            s, t = ctx.span(i, j)
            out.append((s, t, rep, "pinyin"))
        return out

    def _kanji_hv(self, k: str) -> str | None:
        return self.res.char_hanviet.get(SHINJITAI.get(k, k)) or self.res.char_hanviet.get(k)

    def _kanji_py(self, k: str) -> str | None:
        return self.res.char_pinyin.get(SHINJITAI.get(k, k)) or self.res.char_pinyin.get(k)

    def _render_kanji(self, k: str, mode: str) -> str:
        hv, en, py = self._kanji_hv(k), KANJI_EN.get(k), self._kanji_py(k)
        if mode == "hv" and hv:
            return hv.capitalize()
        if mode == "py" and py:
            return py.capitalize()
        return en or (hv.capitalize() if hv else (py or k).capitalize())

    def _render_jp(self, sur: str | None, given: str | None, rng: random.Random) -> str:
        parts: list[str] = []
        if sur is not None:
            kan = JP_SURNAMES[sur]
            u = rng.random()
            if u < (0.5 if given else 0.0):
                parts.append(sur)
            elif u < 0.7:
                parts.append(" ".join(self._render_kanji(k, "hv") for k in kan))
            elif u < 0.9:
                parts.append(" ".join(self._render_kanji(k, "en") for k in kan))
            else:
                parts.append(" ".join(self._render_kanji(k, rng.choice(("hv", "en"))) for k in kan))
        if given is not None:
            kan = JP_GIVEN[given]
            u = rng.random()
            if kan in WORD_EN and u < 0.3:
                g = WORD_EN[kan]
            elif u < 0.85:
                mode = rng.choices(("en", "hv", "py"), (0.5, 0.3, 0.2))[0]
                g = " ".join(self._render_kanji(k, mode) for k in kan)
            else:
                g = rng.choice(self._jp_sur_list)
            if rng.random() < 0.15:
                g = g.lower()
            parts.append(g)
        if len(parts) == 2 and rng.random() < 0.25:
            parts.reverse()
        return " ".join(parts)

    def _calque_name(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        toks, n, i = ctx.toks, len(ctx.toks), 0
        while i < n:
            w = toks[i][2]
            nxt = toks[i + 1][2] if ctx.adjacent(i) else ""
            sur = given = None
            if w in JP_GIVEN and nxt in JP_SURNAMES:
                given, sur, j = w, nxt, i + 2
            elif w in JP_SURNAMES and nxt in JP_GIVEN:
                sur, given, j = w, nxt, i + 2
            elif w in JP_SURNAMES and len(w) >= 4:
                sur, j = w, i + 1
            else:
                i += 1
                continue
            s, t = ctx.span(i, j)
            out.append((s, t, self._render_jp(sur, given, rng), "calque_name"))
            i = j
        if not out and self.settings.substitute_names:
            for i, j in self._vn_names(ctx):
                sur = rng.choice(self._jp_sur_list)
                given = rng.choice(self._jp_given_list) if j - i > 1 else None
                s, t = ctx.span(i, j)
                out.append((s, t, self._render_jp(sur, given, rng), "calque_name"))
        return out

    _PINYINISH = (
        (re.compile(r"io"), "o"),
        (re.compile(r"in$"), "ian"),
        (re.compile(r"ia"), "a"),
        (re.compile(r"c(?=[aou])"), "k"),
        (re.compile(r"ph"), "f"),
        (re.compile(r"th"), "t"),
        (re.compile(r"v"), "w"),
        (re.compile(r"r"), "l"),
        (re.compile(r"tion"), "xiong"),
        (re.compile(r"x"), "rc"),
        (re.compile(r"er$"), "e"),
        (re.compile(r"ng?ton"), "dun"),
    )

    def _mangle(self, w: str, rng: random.Random) -> str:
        low = w.lower()
        for _ in range(6):
            op = rng.random()
            m = low
            if op < 0.25:
                m = low[:-1]
            elif op < 0.4:
                p = rng.randrange(1, len(low) - 1)
                m = low[:p] + low[p + 1 :]
            elif op < 0.55:
                p = rng.randrange(1, len(low))
                m = low[:p] + rng.choice("rnaeo") + low[p:]
            elif op < 0.65:
                p = rng.randrange(1, len(low) - 1)
                m = low[:p] + low[p + 1] + low[p] + low[p + 2 :]
            else:
                rules = [r for r in self._PINYINISH if r[0].search(low)]
                if rules:
                    for rx, sub in rng.sample(rules, min(len(rules), rng.randint(1, 2))):
                        m = rx.sub(sub, m, count=1)
            if m != low and len(m) >= 3:
                break
        else:
            m = low[:-1]
        if w.isupper() and len(w) > 1:
            return m.upper()
        if w[0].isupper() or rng.random() < 0.5:
            return m.capitalize()
        return m

    def _term(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        syl = self.res.vi_syllables
        for s, t, w in ctx.toks:
            if len(w) < 4 or not w.isascii() or not w.isalpha():
                continue
            low = w.lower()
            if low in KNOWN_TERMS or (low not in syl and not (w.isupper() and len(w) <= 5)):
                if w in JP_SURNAMES or w in JP_GIVEN:
                    continue
                out.append((s, t, self._mangle(w, rng), "term"))
        return out

    def _calque(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for m in self._calque_re.finditer(ctx.text):
            found = m.group()
            entry = self._calque_map.get(found.lower())
            if entry is None or not _case_ok(found, entry[0]):
                continue
            rep = rng.choice(entry[1])
            if not found.isupper():  # acronyms (CSGT, UBND) keep the table's case
                # sentence start: capitalise; lowercase match: lowercase; else the table's case
                # (mid-sentence "Thượng tướng" → "trên tướng", as in the seeds)
                if _sentence_start(ctx.text, m.start()):
                    rep = rep[0].upper() + rep[1:]
                elif found[:1].islower():
                    rep = rep[0].lower() + rep[1:]
            out.append((m.start(), m.end(), rep, "calque"))
        return out

    def _english(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for m in self._en_re.finditer(ctx.text):
            found = m.group()
            entry = self._en_map.get(found.lower())
            if entry is None or not _case_ok(found, entry[0]):
                continue
            out.append((m.start(), m.end(), _match_case(found, rng.choice(entry[1])), "english"))
        toks = ctx.toks
        if len(toks) >= 4:
            # insertions: "the Bộ Quốc phòng", "cho biết on Monday,", "... hợp tác, etc."
            text = ctx.text
            caps = [
                k
                for k in range(1, len(toks))
                if _is_cap(toks[k][2]) and not _is_cap(toks[k - 1][2])
            ]
            if caps:
                s, t, w = toks[rng.choice(caps)]
                out.append((s, t, f"{rng.choice(('the', 'the', 'a', 'of the'))} {w}", "english"))
            before_punct = [
                k for k in range(1, len(toks)) if text[toks[k][1] : toks[k][1] + 1] in ",;"
            ]
            if before_punct:
                s, t, w = toks[rng.choice(before_punct)]
                out.append((s, t, f"{w} {rng.choice(ENGLISH_INSERTS)}", "english"))
            s, t, w = toks[-1]
            if text[t:].strip() in (".", "") and w.isalpha():
                out.append((s, t, f"{w}, {rng.choice(ENGLISH_TAILS)}", "english"))
        return out

    _DATE_NUM = re.compile(
        r"(?<!\w)(?:(?:vào )?(ngày|hôm|sáng|chiều|tối|trưa|đêm) )?"
        r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?![\w/-])",
        re.IGNORECASE,
    )
    _DATE_WORD = re.compile(
        r"(?<!\w)(?:vào )?ngày (\d{1,2}) tháng (\d{1,2})(?: năm (\d{4}))?(?!\w)", re.IGNORECASE
    )
    _MONTH_YEAR = re.compile(
        r"(?<!\w)tháng (\d{1,2})(?: năm (\d{4})|/(\d{4}))?(?!\w)", re.IGNORECASE
    )
    _RELATIVE = _phrase_regex(RELATIVE_EN)
    _CLOCK = re.compile(r"(?<!\w)(?:lúc )?(\d{1,2})h(?:(\d{2}))?(?!\w)")
    _WEEKDAY = re.compile(
        r"(?<!\w)(?:thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ [Nn]hật)(?!\w)", re.IGNORECASE
    )

    def _fmt_date(self, d: int, mo: int, y: str | None, on: bool, rng: random.Random) -> str:
        month = MONTHS[mo - 1]
        forms = [f"{month} {d}", f"{MONTHS_ABBR[mo - 1]} {d}", f"{d} {month}", f"{month} {d}"]
        core = rng.choice(forms)
        if y:
            core = f"{core}, {y}" if core[0].isalpha() else f"{core} {y}"
        if on or rng.random() < 0.25:
            core = "on " + core
        return core

    def _date(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        text, out = ctx.text, []
        if (
            not any(ch.isdigit() for ch in text)
            and "thứ" not in text.lower()
            and "chủ nhật" not in text.lower()
        ):
            return out
        taken: list[tuple[int, int]] = []
        for m in self._DATE_WORD.finditer(text):
            d, mo = int(m.group(1)), int(m.group(2))
            if 1 <= d <= 31 and 1 <= mo <= 12:
                on = m.group().lower().startswith("vào")
                out.append((m.start(), m.end(), self._fmt_date(d, mo, m.group(3), on, rng), "date"))
                taken.append(m.span())
        for m in self._DATE_NUM.finditer(text):
            d, mo = int(m.group(2)), int(m.group(3))
            if not (1 <= d <= 31 and 1 <= mo <= 12) or not (m.group(1) or m.group(4)):
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            pre = (m.group(1) or "").lower()
            start = m.start()
            if (
                pre and pre != "ngày" and pre != "hôm"
            ):  # keep "sáng"/"chiều": replace only the number
                start = m.start(2)
            out.append(
                (
                    start,
                    m.end(),
                    self._fmt_date(d, mo, m.group(4), m.group().lower().startswith("vào"), rng),
                    "date",
                )
            )
            taken.append(m.span())
        for m in self._MONTH_YEAR.finditer(text):
            mo = int(m.group(1))
            if not 1 <= mo <= 12 or any(a < m.end() and m.start() < b for a, b in taken):
                continue
            y = m.group(2) or m.group(3)
            if not y and rng.random() < 0.5:
                continue
            rep = MONTHS[mo - 1] + (f" {y}" if y else "")
            if rng.random() < 0.3:
                rep = "in " + rep
            out.append((m.start(), m.end(), rep, "date"))
        for m in self._RELATIVE.finditer(text):
            found = m.group()
            rep = RELATIVE_EN[found.lower()]
            out.append((m.start(), m.end(), _match_case(found, rng.choice(rep)), "date"))
        for m in self._CLOCK.finditer(text):
            h, mi = int(m.group(1)), m.group(2)
            if h > 24:
                continue
            hh = h % 12 or 12
            ampm = "a.m." if h < 12 else "p.m."
            forms = (f"{h:02d}:{mi or '00'}", f"{hh}{':' + mi if mi else ''} {ampm}")
            rep = rng.choice(forms)
            out.append(
                (m.start(), m.end(), ("at " + rep) if m.group().startswith("lúc") else rep, "date")
            )
        for m in self._WEEKDAY.finditer(text):
            g = m.group(1)
            if g is not None and not m.group()[4:5].isupper():
                continue  # "thứ hai" lowercase is usually "second"
            day = WEEKDAYS[g.capitalize()] if g else "Sunday"
            out.append((m.start(), m.end(), rng.choice((day, day, "on " + day)), "date"))
        return out

    def _units(self, ctx: _Ctx) -> dict[int, list[int]]:
        """Start token → end tokens of phrase units (dictionary words, capitalised runs)."""
        units: dict[int, list[int]] = {}
        for i, j in self._dict_words(ctx):
            units.setdefault(i, []).append(j)
        toks = ctx.toks
        i = 0
        while i < len(toks):
            if _is_cap(toks[i][2]):
                j = i + 1
                while j < len(toks) and j - i < 3 and ctx.adjacent(j - 1) and _is_cap(toks[j][2]):
                    j += 1
                if j - i >= 2:
                    units.setdefault(i, []).append(j)
                i = j
            else:
                i += 1
        return units

    def _duplicate(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        toks, out = ctx.toks, []
        units = self._units(ctx)
        ends = {j: i for i, js in units.items() for j in js}
        coord: list[Edit] = []
        for k, (_s, _t, w) in enumerate(toks):
            if (
                w in ("và", "lẫn", "với", "hoặc")
                and k in ends
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
                and k + 1 in units
            ):
                a_i = ends[k]
                b_j = units[k + 1][0]
                a = ctx.words(a_i, k)
                b = ctx.words(k + 1, b_j)
                if a.lower() != b.lower():
                    s, t = ctx.span(a_i, b_j)
                    coord.append((s, t, f"{a} {w} {a}", "duplicate"))
        if coord and rng.random() < 0.6:
            return coord
        for i, js in units.items():
            j = js[0]
            s, t = ctx.span(i, j)
            w = ctx.text[s:t]
            u = rng.random()
            if u < 0.5:
                rep = f"{w} và {w}"
            elif u < 0.7:
                rep = f"cả {w} lẫn {w}" if s > 0 else f"Cả {w} lẫn {w}"
            elif u < 0.85:
                rep = f"{w}, {w}"
            else:
                rep = f"{w} {w}"
            out.append((s, t, rep, "duplicate"))
        for s, t, w in toks:
            if w in ("và", "của", "các") and rng.random() < 0.3:
                out.append((s, t, f"{w} {w}", "duplicate"))
        return out + coord

    def _grammar(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        toks, out = ctx.toks, []
        dw = self._dict_words(ctx)
        by_start = {i: j for i, j in dw}
        ends = {j: i for i, j in dw}
        for i, j in dw:
            # modifier swap: "hợp tác quốc phòng" → "quốc phòng hợp tác"
            if j in by_start and ctx.adjacent(j - 1):
                k = by_start[j]
                s, t = ctx.span(i, k)
                a, b = ctx.words(i, j), ctx.words(j, k)
                out.append((s, t, _reorder(b, a, s == 0), "grammar"))
            # inserted sự / việc / các
            if (
                i > 0
                and ctx.adjacent(i - 1)
                and toks[i - 1][2].lower()
                in ("rằng", "về", "cho", "của", "và", "để", "trong", "đến", "là")
            ):
                s, t = ctx.span(i, j)
                out.append(
                    (s, t, f"{rng.choice(('sự', 'sự', 'việc', 'các'))} {ctx.text[s:t]}", "grammar")
                )
            # "đã W" → "đã W được"
            if i > 0 and ctx.adjacent(i - 1) and toks[i - 1][2] == "đã":
                s, t = ctx.span(i, j)
                out.append((s, t, f"{ctx.text[s:t]} được", "grammar"))
        for k, (_s, _t, w) in enumerate(toks):
            if (
                w == "của"
                and k in ends
                and k + 1 in by_start
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
            ):
                # possessive reversal: "vai trò của quân đội" → "quân đội của vai trò"
                a_i, b_j = ends[k], by_start[k + 1]
                a, b = ctx.words(a_i, k), ctx.words(k + 1, b_j)
                s, t = ctx.span(a_i, b_j)
                out.append((s, t, _reorder(b, f"của {a}", s == 0), "grammar"))
            elif (
                w.lower() in CLASSIFIERS
                and k > 0
                and k + 1 < len(toks)
                and toks[k - 1][2].lower() in QUANT
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
            ):
                s, t = ctx.span(k - 1, k + 2)
                out.append((s, t, f"{toks[k - 1][2]} {toks[k + 1][2]}", "grammar"))
            elif w == "rằng" and k + 1 in by_start and ctx.adjacent(k):
                j = by_start[k + 1]
                s, t = ctx.span(k, j)
                out.append((s, t, f"{ctx.words(k + 1, j)} rằng", "grammar"))
            elif (
                k > 0
                and ctx.text[toks[k - 1][1] : toks[k][0]] == ", "
                and w.islower()
                and k in by_start
            ):
                s, t = ctx.span(k, by_start[k])
                out.append((s, t, f"đó là {ctx.text[s:t]}", "grammar"))
        # possessive "của" insertion between two dictionary words
        for i, j in dw:
            if j in by_start and ctx.adjacent(j - 1) and rng.random() < 0.3:
                k = by_start[j]
                s, t = ctx.span(i, k)
                out.append((s, t, f"{ctx.words(i, j)} của {ctx.words(j, k)}", "grammar"))
        return out


def _apply(clean: str, edits: list[Edit]) -> SyntheticPair:
    if not edits:
        return SyntheticPair(clean, clean, ())
    edits = sorted(edits)
    parts: list[str] = []
    spans: list[Span] = []
    pos = shift = 0
    for s, t, rep, cat in edits:
        parts.append(clean[pos:s])
        parts.append(rep)
        cs = s + shift
        spans.append(Span(cs, cs + len(rep), cat, rep, clean[s:t]))
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


def _iter_corpus(path: Path) -> Iterator[str]:
    import gzip
    import json

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


def _main() -> None:
    """`python -m repair.synth N [seed]`: N sample pairs from the dev corpus."""
    import itertools
    import sys

    logging.basicConfig(level=logging.INFO)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    dev = project_path(Path("../shared/data/corpus/dev.jsonl.gz"))
    pairs = generate(
        _iter_corpus(dev),
        SynthSettings(seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0, rate=1.0),
    )
    for p in itertools.islice(pairs, n):
        print("CLEAN:", p.clean)
        print("CORR: ", p.corrupted)
        for sp in p.spans:
            print(f"   [{sp.category}] {sp.original!r} -> {sp.text!r}")
        print()

"""The resources the families draw on: the Hán-Việt table, the Vietnamese word list, Chinese and
Japanese character frequencies and English words; loaded once per path pair and cached."""

from __future__ import annotations

import ast
import csv
import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from repair.text import nfc

__all__ = ["Resources", "load_resources"]

log = logging.getLogger(__name__)


_TONE_RE = re.compile(r"[0-9]")


@dataclass


class Resources:
    reading_chars: dict[str, list[str]]  # Hán-Việt syllable → chars, most frequent first
    char_pinyin: dict[str, str]  # char → toneless pinyin (first reading)
    char_hanviet: dict[str, str]  # char → first Hán-Việt reading
    vi_syllables: frozenset[str]
    vi_words: frozenset[str]  # multi-syllable dictionary words, lowercase
    en_by_prefix: dict[str, list[str]]  # two-letter prefix → English words (len >= 5)


@functools.lru_cache(maxsize=4)


def load_resources(hanviet_csv: Path, vi_words_path: Path) -> Resources:
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
                readings = [nfc(r).lower() for r in ast.literal_eval(row["hanviet"])]
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
                w = nfc(line.strip()).lower()
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
    return Resources(
        reading_chars, char_pinyin, char_hanviet, frozenset(syll), frozenset(words), en_by_prefix
    )

"""What kind of word a token is (Vietnamese, number, acronym, romaji, pinyin, English, other):
the one classification the rules, the slot rules and the features share."""

from __future__ import annotations

import functools
import re

from repair.text import english_zipf, is_pinyin_word, is_vietnamese_syllable
from repair.text.words import ROMAJI_RE

__all__ = ["token_kind"]


def _is_acronym(tok: str) -> bool:
    letters = tok.rstrip("+")
    return len(letters) >= 2 and letters.isupper()


@functools.lru_cache(maxsize=200_000)
def token_kind(tok: str) -> str:
    """Classify a word token: vi, number, acronym, romaji, pinyin, english, other."""
    if any(c.isdigit() for c in tok):
        return "number"
    if "." in tok or "/" in tok:
        return "other_ok"  # domains, abbreviations such as "v.v"
    if _is_acronym(tok):
        return "acronym"
    if all(is_vietnamese_syllable(p) for p in re.split(r"[-'’]", tok) if p):
        return "vi"
    low = tok.lower()
    if not low.isascii():
        return "other"
    if tok.islower() and english_zipf(low) >= 4.0:
        return "english"
    if tok[0].isupper() and is_pinyin_word(low):
        return "pinyin"
    if ROMAJI_RE.match(low):
        return "romaji"
    if english_zipf(low) >= 3.0:
        return "english"
    return "other"

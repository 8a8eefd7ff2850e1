"""Is a word English, or pinyin? Word lists the detector and the proposals consult (wordfreq's
English frequencies, pypinyin's syllables), each cached."""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["ROMAJI_RE", "english_zipf", "is_pinyin_word"]

# A word made of Japanese syllables in Hepburn romaji ("Onodera", "Itsunori").
ROMAJI_RE = re.compile(
    r"^(?:(?:[kstpc](?=[kstpc]))?"
    r"(?:ky|gy|sh|ch|ts|ny|hy|by|py|my|ry|j|f|[kgsztdnhbpmyrw])?[aiueo]"
    r"|n(?![aiueoy]))+$"
)


@functools.lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables, from pypinyin's character table; kept prepared (importing
    the table took 0.3 s of a one-sentence job), checked against the table's source file."""
    import importlib.util

    from repair import ROOT
    from repair.text.prepared import prepared

    spec = importlib.util.find_spec("pypinyin")
    table = Path(next(iter(spec.submodule_search_locations or ()), ""), "pinyin_dict.py") \
        if spec else None
    if table is None or not table.is_file():
        return _read_pinyin_syllables()
    return prepared("pinyin-syllables-v1", [table], _read_pinyin_syllables,
                    store=ROOT / "models" / "detector")


def _read_pinyin_syllables() -> frozenset[str]:
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            bare = "".join(
                c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c)
            )
            out.add(bare.replace("ü", "v"))
    return frozenset(s for s in out if s.isascii() and s.isalpha())


@functools.lru_cache(maxsize=200_000)
def is_pinyin_word(word: str) -> bool:
    """True if ``word`` splits into pinyin syllables ("Chunfu" -> chun + fu)."""
    w = word.lower()
    sylls = _pinyin_syllables()
    ok = [True] + [False] * len(w)
    for i in range(1, len(w) + 1):
        for j in range(max(0, i - 6), i):
            if ok[j] and w[j:i] in sylls:
                ok[i] = True
                break
    return ok[len(w)] and len(w) >= 2


@functools.lru_cache(maxsize=200_000)
def english_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English (wordfreq; 0 for unknown words)."""
    from wordfreq import zipf_frequency  # an English word list that works offline

    return zipf_frequency(word, "en")

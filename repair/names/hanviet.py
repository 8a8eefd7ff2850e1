"""The Hán-Việt bridge: pinyin syllable -> characters -> Sino-Vietnamese readings.

Built from the shared table (``lexicon/hanviet/hanviet.csv``: Traditional character, its
readings, tone-numbered pinyin or ``*``). ``*`` rows take every pinyin pypinyin knows for the
character. The table has no Simplified characters; OpenCC (``t2s``/``s2t``) supplies them, so
evidence shows the form a mainland source would print and Simplified input can be looked up.
"""

from __future__ import annotations

import ast
import csv
import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from repair.errors import ConfigError, InputError
from repair.text import fold_key, nfc
from repair.text.timing import timed_call

__all__ = ["HanViet", "Reading", "load_hanviet", "toneless"]

log = logging.getLogger(__name__)

_TONE_MARKS = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm"
)


def toneless(pinyin: str) -> str:
    """"shang3" / "shàng" / "lu:3" / "lǜ" -> "shang" / "lv"."""
    p = pinyin.lower().strip().replace("u:", "v").translate(_TONE_MARKS)
    return "".join(c for c in p if c.isalpha())


@dataclass(frozen=True)
class Reading:
    """One Hán-Việt reading of a pinyin syllable with the characters that give it."""

    reading: str  # NFC, as the table writes it ("hóa")
    chars: tuple[str, ...]  # Traditional characters, table order


@dataclass
class HanViet:
    # toneless pinyin -> folded reading -> Reading
    by_pinyin: dict[str, dict[str, Reading]] = field(default_factory=dict)
    # folded reading -> characters (for the reverse path: Hán-Việt -> kanji)
    by_reading: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # character -> its readings
    by_char: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @functools.cached_property
    def syllables(self) -> frozenset[str]:
        """Pinyin syllables with a vowel: "n", "ng", "hm" (interjections) would split any
        English word ("Mountain" -> mou n tai n)."""
        return frozenset(s for s in self.by_pinyin if any(v in s for v in "aeiouv"))

    def readings(self, syllable: str) -> list[Reading]:
        """Readings of a toneless pinyin syllable, most characters first."""
        found = self.by_pinyin.get(toneless(syllable), {})
        return sorted(found.values(), key=lambda r: -len(r.chars))

    def char_readings(self, char: str) -> tuple[str, ...]:
        """Readings of a Traditional or Simplified character."""
        return self.by_char.get(char) or self.by_char.get(traditional(char), ())


@functools.lru_cache(maxsize=1)
def _converter(config: str):
    import opencc  # Traditional <-> Simplified; the Hán-Việt table is Traditional only

    return opencc.OpenCC(config)


def simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def _pypinyin_readings(char: str) -> list[str]:
    from pypinyin import Style, pinyin

    return [toneless(p) for p in pinyin(char, style=Style.NORMAL, heteronym=True)[0]]


@functools.lru_cache(maxsize=2)
@timed_call("load: Hán-Việt table")
def load_hanviet(path: str | Path) -> HanViet:
    """Read the Hán-Việt table; a malformed row stops with its file and line. The parsed
    table is kept prepared beside the name models (``repair.text.prepared``)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError("Hán-Việt table not found; set names.hanviet in the config", p)
    from repair import ROOT
    from repair.text.prepared import prepared

    return prepared("hanviet-v1", [p], lambda: _read_hanviet(p), store=ROOT / "models" / "names")


def _read_hanviet(p: Path) -> HanViet:
    pin: dict[str, dict[str, list]] = defaultdict(dict)
    rev: dict[str, list[str]] = defaultdict(list)
    chars: dict[str, list[str]] = defaultdict(list)
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["char", "hanviet", "pinyin"]:
            raise InputError("expected the header 'char,hanviet,pinyin'", p, 1)
        for lineno, row in enumerate(reader, start=2):
            try:
                char, readings_text, py = row
                readings = [nfc(r) for r in ast.literal_eval(readings_text)]
            except (ValueError, SyntaxError) as exc:
                raise InputError(f"malformed row ({exc})", p, lineno) from exc
            sylls = _pypinyin_readings(char) if py.strip() == "*" else [toneless(py)]
            for r in readings:
                key = fold_key(r.lower())
                if r not in chars[char]:
                    chars[char].append(r)
                if char not in rev[key]:
                    rev[key].append(char)
                for s in sylls:
                    entry = pin[s].setdefault(key, [r, []])
                    if char not in entry[1]:
                        entry[1].append(char)
    hv = HanViet(
        by_pinyin={
            s: {k: Reading(r, tuple(cs)) for k, (r, cs) in d.items()} for s, d in pin.items()
        },
        by_reading={k: tuple(v) for k, v in rev.items()},
        by_char={k: tuple(v) for k, v in chars.items()},
    )
    log.info("Hán-Việt table %s: %d pinyin syllables, %d characters", p, len(hv.by_pinyin),
             len(hv.by_char))
    return hv

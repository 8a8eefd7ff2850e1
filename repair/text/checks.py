"""Characters no input text may hold: a NUL byte (it ends strings in C libraries and breaks
sentence splitting) and a lone UTF-16 surrogate (JSON's ``"\\ud800"`` escape decodes to one; it
cannot be written as UTF-8, so every output would fail on it)."""

from __future__ import annotations

import re

__all__ = ["bad_character", "refuse_bad_characters"]

_BAD = re.compile("[\x00\ud800-\udfff]")


def bad_character(text: str) -> tuple[int, str] | None:
    """(offset, what) of the first character ``text`` may not hold, or None."""
    m = _BAD.search(text)
    if m is None:
        return None
    c = m.group()
    what = "a NUL byte" if c == "\x00" else f"a lone surrogate (U+{ord(c):04X})"
    return m.start(), what


def refuse_bad_characters(text: str | dict, path: object, line: int | None = None) -> None:
    """Raise ``InputError`` at ``path:line`` (the line found in ``text`` when not given) if
    ``text`` (or a string value of the record ``text``) holds a character no input may hold."""
    from repair.errors import InputError

    if isinstance(text, dict):
        text = " ".join(v for v in (*text, *text.values()) if isinstance(v, str))
    if (bad := bad_character(text)) is not None:
        where = line if line is not None else text.count("\n", 0, bad[0]) + 1
        raise InputError(f"the text holds {bad[1]}; remove it from the input", str(path), where)

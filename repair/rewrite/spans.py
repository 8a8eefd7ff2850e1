"""The span-level input format shared by training and inference.

The model reads a short window around one flagged span, with the span between markers and
the detector's category as a tag, and writes only the span's repair:

    <c_duplicate> chuyến thăm <sp> Nhật Bản và Nhật Bản </sp> nhằm thúc đẩy

Entity placeholders in the window are renumbered from ``<ent0>`` in reading order, so the
model always sees small indices; :func:`unmap_placeholders` maps a repair back to the
sentence's own numbering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from repair.rewrite.tokenizer import PLACEHOLDERS

__all__ = [
    "SPAN_OPEN",
    "SPAN_CLOSE",
    "TAGS",
    "SPECIAL_TOKENS",
    "SpanWindow",
    "category_tag",
    "make_window",
    "marked_span",
    "window_parts",
    "unmap_placeholders",
]

SPAN_OPEN, SPAN_CLOSE = "<sp>", "</sp>"
# Training categories (the synthetic families) plus "unk" for anything else.
TAGS = ("pinyin", "calque_name", "term", "calque", "english", "date", "duplicate", "grammar",
        "unk")
# Detector categories that are not synthetic families, mapped to the nearest family ("name"
# evidence spans are names the model cannot resolve: it was taught to keep those).
_TAG_OF = {"english_name": "english", "foreign": "term", "name": "calque_name"}
SPECIAL_TOKENS: tuple[str, ...] = (
    PLACEHOLDERS + (SPAN_OPEN, SPAN_CLOSE) + tuple(f"<c_{t}>" for t in TAGS)
)
_PH_RE = re.compile(r"<ent\d+>")
_WS_RE = re.compile(r"\S+")
_TAG_RE = re.compile(r"^<c_\w+>")


def category_tag(category: str) -> str:
    """The tag token for a detector or synthetic category (``<c_unk>`` for unknown ones)."""
    name = _TAG_OF.get(category, category)
    return f"<c_{name if name in TAGS else 'unk'}>"


@dataclass(frozen=True)
class SpanWindow:
    source: str  # the model input
    span: str  # the marked text, placeholders renumbered
    start: int  # the span's offsets in the text the window was cut from
    end: int
    placeholders: tuple[str, ...]  # local <entI> -> this placeholder of the text


def make_window(text: str, start: int, end: int, category: str, context_words: int) -> SpanWindow:
    """The model input for ``text[start:end]`` with ``context_words`` words of context on
    each side (cut at whitespace)."""
    words = [(m.start(), m.end()) for m in _WS_RE.finditer(text)]
    before = [a for a, b in words if a < start]  # a word cut by the span counts as context
    after = [b for a, b in words if b > end]
    a = before[max(0, len(before) - context_words)] if before and context_words else start
    b = after[min(len(after), context_words) - 1] if after and context_words else end
    left, span, right = text[a:start], text[start:end], text[end:b]
    order: list[str] = []
    for m in _PH_RE.finditer(text[a:b]):
        if m.group() not in order:
            order.append(m.group())
    local = {p: f"<ent{i}>" for i, p in enumerate(order)}

    def sub(s: str) -> str:
        return _PH_RE.sub(lambda m: local[m.group()], s)

    source = " ".join(
        x for x in (category_tag(category), sub(left).strip(), SPAN_OPEN, sub(span), SPAN_CLOSE,
                    sub(right).strip()) if x
    )
    return SpanWindow(source, sub(span), start, end, tuple(order))


def unmap_placeholders(repair: str, window: SpanWindow) -> str | None:
    """``repair`` with local placeholders put back to the text's own; None if it uses a
    placeholder the window did not have."""
    bad = False

    def sub(m: re.Match[str]) -> str:
        nonlocal bad
        i = int(m.group()[4:-1])
        if i >= len(window.placeholders):
            bad = True
            return m.group()
        return window.placeholders[i]

    out = _PH_RE.sub(sub, repair)
    return None if bad else out


def window_parts(source: str) -> tuple[str, str, str]:
    """The left context, marked span and right context of a window (``SpanWindow.source``)."""
    head, rest = source.split(f"{SPAN_OPEN} ", 1)
    span, right = rest.rsplit(f" {SPAN_CLOSE}", 1)
    left = _TAG_RE.sub("", head, count=1)
    return left.strip(), span, right.strip()


def marked_span(source: str) -> str:
    """The text between the markers of a window (``SpanWindow.source``)."""
    return window_parts(source)[1]

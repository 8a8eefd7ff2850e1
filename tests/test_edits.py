"""Phrase edits: one reviewer correction is one edit (merged fragments, moved blocks)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.review.diff import hter, ter_edits
from repair.review.edits import anchored, apply_edits, phrase_edits


@pytest.mark.parametrize(
    "src, tgt, expected",
    [
        # a phrase rewrite that keeps one of its words: one edit, not "w1 w2"/"w4" fragments
        ("Ông w1 w2 X w4 nói.", "Ông v1 v2 v3 X nói.", [("replace", "w1 w2 X w4", "v1 v2 v3 X")]),
        ("Ngoại vụ Mỹ quốc cho biết.", "Bộ Ngoại giao Mỹ cho biết.",
         [("replace", "Ngoại vụ Mỹ quốc", "Bộ Ngoại giao Mỹ")]),
        # a moved title: one move edit covering the moved words and what they jumped over
        ("Hôm qua Donald Trump Tổng thống nói.", "Hôm qua Tổng thống Donald Trump nói.",
         [("move", "Donald Trump Tổng thống", "Tổng thống Donald Trump")]),
        ("Anh ấy hôm qua đã đến.", "Hôm qua anh ấy đã đến.",
         [("move", "Anh ấy hôm qua", "Hôm qua anh ấy")]),
        ("Ông nói điều đó.", "Ông đã nói điều đó.", [("insert", "", "đã")]),
        ("Nhật Bản và và Mỹ.", "Nhật Bản và Mỹ.", [("delete", "và", "")]),
        # changes three unchanged words apart stay two edits
        ("a b c d e f", "X b c d Y f", [("replace", "a", "X"), ("replace", "e", "Y")]),
        ("a b c d e", "X b c Y e", [("replace", "a b c d", "X b c Y")]),
        ("Một hai ba.", "Một hai ba.", []),
    ],
)
def test_phrase_edits(src, tgt, expected):
    edits = phrase_edits(src, tgt)
    assert [(e.kind, e.old, e.new) for e in edits] == expected
    assert apply_edits(src, edits) == tgt


@pytest.mark.parametrize(
    "src, tgt, expected",
    [
        ("a b c", "a b X c", (2, 3, "b X")),  # an insertion takes the word before it
        ("a b c", "X a b c", (0, 1, "X a")),  # ... or after, at the start
        ("a b b c", "a b c", (2, 5, "b")),  # a deletion: the word before absorbs it
        ("Ông Obama nói", "Ông Obama, nói", (4, 9, "Obama,")),  # target spacing kept
        ("w1 w2 X w4 z", "v1 v2 v3 X z", (0, 10, "v1 v2 v3 X")),
    ],
)
def test_anchored_regions_mark_words(src, tgt, expected):
    (edit,) = phrase_edits(src, tgt)
    a, b, rep = anchored(src, tgt, edit)
    assert (a, b, rep) == expected
    assert src[:a] + rep + src[b:] == tgt


def test_hter_counts_a_moved_block_as_one_shift():
    src, tgt = "Donald Trump Tổng thống nói.", "Tổng thống Donald Trump nói."
    assert ter_edits(src, tgt) == 1  # Levenshtein would say 4
    assert hter("ông Ruan Chunfu nói", "ông Nguyễn Xuân Phúc nói") == 0.6


_WORDS = st.lists(st.sampled_from(["a", "b", "c", "Ông", "nói", ",", ".", "Mỹ", "x1"]),
                  max_size=12)


@settings(max_examples=300, deadline=None)
@given(_WORDS, _WORDS)
def test_applying_the_edits_gives_the_target(a, b):
    src, tgt = " ".join(a), " ".join(b)
    edits = phrase_edits(src, tgt)
    assert apply_edits(src, edits) == tgt
    spans = [(e.outer_start, e.outer_end) for e in edits]
    assert all(x[1] <= y[0] for x, y in zip(spans, spans[1:], strict=False))  # disjoint
    for e in edits:  # each anchored region marks words and still gives the target
        x, y, rep = anchored(src, tgt, e)
        assert y > x or not src.strip()
        if len(edits) == 1:
            assert src[:x] + rep + src[y:] == tgt

"""Property tests: arbitrary Unicode never crashes the normaliser, the segmenter, the alias
matcher or the detector; offsets always map back to the input; canonicalisation is idempotent.

Examples are derandomised (the same ones every run, so CI cannot turn red by chance) and
sized to keep the whole module well under a minute.
"""

import unicodedata
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repair.aliases import canonicalize
from repair.detect import detect
from repair.text import (
    Document,
    Segment,
    fold_key,
    nfc,
    normalize_tones,
    segment_documents,
    split_sentences,
)

PROFILE = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VI_LETTERS = "aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐbcdghklmnpqrstvxBCDGHKLMNPQRSTVX"
TONES = "\u0300\u0301\u0303\u0309\u0323"
MARKS = ".!?…,;:-–—\"'“”‘’«»()[]/_ \t\n\r\u00a0\u2028\ufeff"
FRAGMENTS = [
    "Ông", "TP.", "GS.", "A.", "v.v.", "18-19/2.", "Hà Nội", "hoà", "hòa", "thuỷ", "Quỳ",
    "İ", "ß", "ﬁ", "Ǆ", "\u0345", "ᾳ", "Lịch.Lễ", "......", "\" ", "“", "”", " ’", "‘",
    "\n", "\r\n", "  ", "-----", "Ruan Chunfu", "Nguyễn Xuân Phúc", "Onodera Five Mã",
    "Đô đốc", "Doberman", "Tổng Doberman", "đô đốc", "Burton", "trên tướng", "Okinaw",
]

vi_text = st.text(alphabet=VI_LETTERS + TONES + MARKS, max_size=120)
any_text = st.text(max_size=80)
pieces = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), vi_text, any_text), max_size=12
).map(" ".join)
texts = st.one_of(any_text, vi_text, pieces)


# --------------------------------------------------------------------------- normaliser


@PROFILE
@given(texts)
def test_normaliser_keeps_lengths_and_is_idempotent(text):
    n = nfc(text)
    assert unicodedata.is_normalized("NFC", n)
    key = normalize_tones(text)
    assert len(key) == len(n)  # offsets computed on the key are offsets in the NFC text
    assert normalize_tones(key) == key
    assert fold_key(key) == key == fold_key(text)


# --------------------------------------------------------------------------- segmenter


@PROFILE
@given(texts)
def test_segmenter_spans_map_back_to_the_input(text):
    spans = split_sentences(text)
    prev = 0
    for a, b in spans:
        assert prev <= a < b <= len(text)
        piece = text[a:b]
        assert piece == piece.strip() and piece
        assert len(piece.splitlines()) == 1  # a sentence never crosses a line break
        prev = b
    covered = set()
    for a, b in spans:
        covered.update(range(a, b))
    for i, c in enumerate(text):  # every visible character of a prose line is in a sentence
        if not c.isspace() and i not in covered:
            line = next(ln for ln in _lines_with_offsets(text) if ln[0] <= i < ln[1])
            assert set(text[line[0]:line[1]].strip()) <= set("-–—_=*•.·~ \t\u00a0"), (i, c)


def _lines_with_offsets(text):
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, pos + len(line)
        pos += len(line)


@PROFILE
@given(texts)
def test_segments_are_nfc_slices_of_the_document(text):
    doc = Document("d", text, "d.txt")
    for seg in segment_documents([doc]):
        assert seg.text == nfc(text[seg.start : seg.end])


# --------------------------------------------------------------------------- alias matcher


@PROFILE
@given(texts)
def test_alias_matches_map_back_and_canonicalisation_is_idempotent(aliases, text):
    text = nfc(text)
    matches = aliases.find(text)
    prev = 0
    for m in matches:
        assert prev <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.canonical in aliases.canonicals
        prev = m.end
    once, found = canonicalize(text, aliases)
    assert found == matches
    assert canonicalize(once, aliases)[0] == once


# --------------------------------------------------------------------------- detector

PROFILE_DETECT = settings(PROFILE, max_examples=60)


@PROFILE_DETECT
@given(st.lists(texts, min_size=1, max_size=4))
def test_detector_never_crashes_and_spans_map_back(settings, aliases, batch):
    segs = [Segment(str(i), "d", nfc(t), 0, len(t), i) for i, t in enumerate(batch)]
    for detect_settings in (settings.detect, replace(settings.detect, model=None)):
        dets = list(detect(segs, detect_settings, aliases))
        assert [d.segment for d in dets] == segs
        for d in dets:
            assert 0.0 <= d.score <= 1.0
            for s in d.spans:
                assert 0 <= s.start < s.end <= len(d.segment.text)
                assert d.segment.text[s.start : s.end] == s.text


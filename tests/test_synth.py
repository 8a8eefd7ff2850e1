"""Tests for repair.synth: invariants, determinism, and one designed sentence per family."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import unicodedata
from pathlib import Path

import pytest

from repair.synth import FAMILIES, Corruption, Synthesizer, SyntheticPair, SynthSettings, generate

DEV = Path(__file__).resolve().parent.parent / "../shared/data/corpus/dev.jsonl.gz"

# Inline corpus-like sentences, combined from parts so that every family has material.
_SUBJ = [
    "Thủ tướng Nguyễn Xuân Phúc",
    "Thượng tướng Nguyễn Chí Vịnh",
    "Bộ trưởng Quốc phòng Nhật Bản Itsunori Onodera",
    "ông Trần Văn Hiến",
    "Phát ngôn viên Bộ Ngoại giao",
    "Chủ tịch UBND tỉnh Lê Văn Thành",
    "bà Phạm Thị Lan",
    "Tổng thống Mỹ",
]
_VERB = [
    "đã tiếp phái đoàn cấp cao của Bộ Quốc phòng Việt Nam",
    "đánh giá cao vai trò của quân đội nhân dân Việt Nam",
    "cho biết hợp tác quốc phòng giữa Nhật Bản và Việt Nam đang phát triển",
    "đã chào xã giao Bộ trưởng Quốc phòng tại Tokyo",
    "nhấn mạnh rằng công nghệ xử lý dioxin tại sân bay rất quan trọng",
    "bày tỏ tin tưởng rằng quan hệ đối tác chiến lược sẽ tiếp tục được đẩy mạnh",
    "đã ký thỏa thuận về một chiếc tàu tuần tra cho lực lượng Cảnh sát biển",
]
_WHEN = [
    "",
    "Ngày 17/2, ",
    "Sáng 5/6, ",
    "Vào ngày 14 tháng 4 năm 2016, ",
    "Hôm qua, ",
    "Chiều thứ Hai, ",
]


def _inline_sentences() -> list[str]:
    out = []
    for w, s, v in itertools.product(_WHEN, _SUBJ, _VERB):
        subj = s[0].upper() + s[1:] if not w else s
        out.append(f"{w}{subj} {v}.")
    return out


def _only(family: str, **kw) -> SynthSettings:
    weights = {c: (1.0 if c == family else 0.0) for c in FAMILIES}
    return SynthSettings(rate=1.0, max_corruptions=1, family_weights=weights, **kw)


def _undo(pair: SyntheticPair) -> str:
    text = pair.corrupted
    for sp in sorted(pair.spans, key=lambda s: s.start, reverse=True):
        text = text[: sp.start] + sp.original + text[sp.end :]
    return text


def _check(pair: SyntheticPair, source: str) -> None:
    assert pair.clean == unicodedata.normalize("NFC", source)
    assert unicodedata.is_normalized("NFC", pair.corrupted)
    prev_end = -1
    for sp in pair.spans:
        assert isinstance(sp, Corruption) and sp.category in FAMILIES
        assert pair.corrupted[sp.start : sp.end] == sp.text
        assert sp.text and sp.text == sp.text.strip() and sp.original
        assert sp.text != sp.original
        assert sp.start > prev_end  # sorted, non-overlapping, not even touching
        prev_end = sp.end
    assert _undo(pair) == pair.clean
    if not pair.spans:
        assert pair.corrupted == pair.clean


def _variants(text: str, settings: SynthSettings, n: int = 40) -> list[SyntheticPair]:
    """The same sentence under n different seeds."""
    return [
        next(generate([text], SynthSettings(**{**settings.__dict__, "seed": k}))) for k in range(n)
    ]


def test_invariants_inline_corpus():
    sents = _inline_sentences()
    assert len(sents) >= 300
    pairs = list(generate(sents, SynthSettings(seed=1, rate=0.9, max_corruptions=3)))
    assert len(pairs) == len(sents)
    for src, p in zip(sents, pairs, strict=True):
        _check(p, src)
    cats = {sp.category for p in pairs for sp in p.spans}
    assert cats == set(FAMILIES)
    share = sum(1 for p in pairs if p.spans) / len(pairs)
    assert 0.75 < share <= 0.95


def test_deterministic_and_seed_dependent():
    sents = _inline_sentences()[:120]
    a = list(generate(sents, SynthSettings(seed=7)))
    b = list(generate(iter(sents), SynthSettings(seed=7)))
    c = list(generate(sents, SynthSettings(seed=8)))
    assert a == b
    assert a != c


def test_rate_zero_returns_everything_unchanged():
    sents = _inline_sentences()[:100]
    for src, p in zip(sents, generate(sents, SynthSettings(rate=0.0)), strict=True):
        assert p == SyntheticPair(src, src, ())


def test_nfc_input_and_empty():
    nfd = unicodedata.normalize("NFD", "Thủ tướng Nguyễn Xuân Phúc đã tiếp đoàn.")
    p = next(generate([nfd], SynthSettings(rate=1.0)))
    _check(p, nfd)
    assert next(generate([""], SynthSettings(rate=1.0))) == SyntheticPair("", "", ())


def test_generate_is_lazy():
    def stream():
        yield "Thủ tướng Nguyễn Xuân Phúc đã tiếp đoàn."
        raise AssertionError("consumed too far")

    gen = generate(stream(), SynthSettings(rate=1.0))
    assert next(gen).clean.startswith("Thủ tướng")


def test_unknown_family_rejected():
    with pytest.raises(ValueError):
        SynthSettings(family_weights={"bogus": 1.0})


FAMILY_CASES = [
    # (family, sentence, original expected in a span, predicate on span text)
    (
        "pinyin",
        "Trong chuyến thăm của Thủ tướng Nguyễn Xuân Phúc, hai bên đã ký công hàm.",
        "Nguyễn Xuân Phúc",
        lambda t: "Ruan Chunfu" in t,
    ),
    ("pinyin", "Tham mưu trưởng Đỗ Bá Tỵ thăm Nhật Bản.", "Đỗ Bá Tỵ", lambda t: t.startswith("Du")),
    (
        "calque_name",
        "Bộ trưởng Quốc phòng Nhật Bản Itsunori Onodera đã gặp đoàn Việt Nam.",
        "Itsunori Onodera",
        lambda t: "Five" in t or "Ngũ" in t,
    ),
    (
        "calque_name",
        "Thứ trưởng gặp ông Masanori Nishi tại Tokyo.",
        "Masanori Nishi",
        lambda t: "Tây" in t or "West" in t,
    ),
    (
        "term",
        "Việt Nam muốn thử nghiệm công nghệ xử lý ô nhiễm dioxin ở sân bay.",
        "dioxin",
        lambda t: t.lower() != "dioxin" and t[:1].lower() == "d",
    ),
    (
        "calque",
        "Đoàn do Thượng tướng Nguyễn Chí Vịnh dẫn đầu đã chào xã giao Bộ trưởng.",
        None,
        lambda t: t in ("trên tướng", "tướng trên", "cuộc gọi lịch sự", "gọi lịch sự"),
    ),
    (
        "english",
        "Hai bên đã ký thỏa thuận và trao đổi kinh nghiệm, tuy nhiên chưa có kết quả.",
        None,
        lambda t: any(
            w in t
            for w in (
                "and",
                "however",
                "agreement",
                "deal",
                "the",
                "etc.",
                "on ",
                "said",
                "also",
                "too",
                "yesterday",
                "last",
                "as well",
                "a ",
            )
        ),
    ),
    (
        "date",
        "Ngày 17/2, Thứ trưởng Nguyễn Chí Vịnh đã hội đàm với phía Nhật Bản.",
        "Ngày 17/2",
        lambda t: "February 17" in t or "Feb. 17" in t or "17 February" in t,
    ),
    (
        "date",
        "Hai bên gặp nhau vào ngày 14 tháng 4 năm 2016 tại Tokyo.",
        None,
        lambda t: "April" in t and "2016" in t,
    ),
    (
        "duplicate",
        "Ông nhấn mạnh rằng cả Việt Nam lẫn Nhật Bản đều là các nước trong khu vực.",
        None,
        lambda t: len(t.split()) >= 3,
    ),
    ("grammar", "Hai nước tăng cường hợp tác quốc phòng trong khu vực.", None, lambda t: True),
]


@pytest.mark.parametrize("family,sentence,original,pred", FAMILY_CASES)
def test_family_fires_with_seed_like_form(family, sentence, original, pred):
    pairs = _variants(sentence, _only(family, substitute_names=False))
    hits = 0
    for p in pairs:
        _check(p, sentence)
        assert p.spans, f"{family} did not fire on {sentence!r}"
        assert all(sp.category == family for sp in p.spans)
        for sp in p.spans:
            if (original is None or sp.original == original) and pred(sp.text):
                hits += 1
    assert hits >= 3, [p.corrupted for p in pairs[:5]]


def test_seed_like_specifics():
    vai = _variants("Ông đánh giá cao vai trò của quân đội trong khu vực.", _only("duplicate"), 60)
    assert any("vai trò và vai trò" in p.corrupted for p in vai)
    nb = _variants("Quan hệ giữa Nhật Bản và Việt Nam đang phát triển.", _only("duplicate"), 30)
    assert any("Nhật Bản và Nhật Bản" in p.corrupted for p in nb)
    gr = _variants("Hai nước tăng cường hợp tác quốc phòng.", _only("grammar"), 60)
    assert any("quốc phòng hợp tác" in p.corrupted for p in gr)
    tt = _variants("Ông là Thứ trưởng Bộ Quốc phòng.", _only("calque"), 30)
    assert any("trên Thứ trưởng" in p.corrupted for p in tt)


def test_name_substitution_switch():
    s = "Sáng nay, ông Trần Văn Hiến đã đến hiện trường."
    on = _variants(s, _only("calque_name", substitute_names=True), 10)
    off = _variants(s, _only("calque_name", substitute_names=False), 10)
    assert all(p.spans and p.spans[0].original == "Trần Văn Hiến" for p in on)
    assert all(not p.spans for p in off)


def test_corrupt_method_with_explicit_rng():
    synth = Synthesizer(SynthSettings(rate=1.0))
    a = synth.corrupt("Thủ tướng Nguyễn Xuân Phúc đã tiếp đoàn.", random.Random(3))
    b = synth.corrupt("Thủ tướng Nguyễn Xuân Phúc đã tiếp đoàn.", random.Random(3))
    assert a == b and a.spans


def test_dev_corpus_invariants():
    if not DEV.exists():
        pytest.skip("dev corpus not available")
    with gzip.open(DEV, "rt", encoding="utf-8") as fh:
        sents = [json.loads(line)["text"] for line in itertools.islice(fh, 2000)]
    pairs = list(generate(sents, SynthSettings(seed=5, rate=0.7, max_corruptions=3)))
    for src, p in zip(sents, pairs, strict=True):
        _check(p, src)
    assert {sp.category for p in pairs for sp in p.spans} == set(FAMILIES)

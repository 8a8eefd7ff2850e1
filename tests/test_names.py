"""Resolving pinyin renderings of Vietnamese names (repair.names)."""

import csv
import gzip

import pytest
from pypinyin import Style, lazy_pinyin

from repair.errors import InputError, ModelError
from repair.names import (
    Gazetteer,
    NamesSettings,
    Resolver,
    evaluate_list,
    load_hanviet,
    load_resolver,
    mine_gazetteer,
    split_pinyin,
)
from repair.names.hanviet import toneless
from repair.text import fold_key

from .conftest import ROOT, SHARED, read_jsonl, run_cli

HANVIET = SHARED / "lexicon" / "hanviet" / "hanviet.csv"
LABELLED = ROOT / "tests" / "data" / "names" / "vi_pinyin_names.tsv"


@pytest.fixture(scope="module")
def hv():
    return load_hanviet(HANVIET)


@pytest.fixture(scope="module")
def resolver():
    return load_resolver(NamesSettings())


@pytest.mark.parametrize(
    "raw, bare",
    [("shang3", "shang"), ("lu:3", "lv"), ("lǜ", "lv"), ("Chūn", "chun"), ("Long'an", "longan")],
)
def test_toneless(raw, bare):
    assert toneless(raw) == bare


@pytest.mark.parametrize(
    "word, first",
    [
        ("Chunfu", ["chun", "fu"]),
        ("Shunhua", ["shun", "hua"]),
        ("Xian", ["xian"]),  # fewest syllables first; "xi an" comes after
        ("Zhiyong", ["zhi", "yong"]),
    ],
)
def test_split_pinyin(hv, word, first):
    splits = split_pinyin(word, hv.syllables)
    assert splits[0] == first
    assert len(splits) == len({tuple(s) for s in splits})


@pytest.mark.parametrize("word", ["Stoltenberg", "Mountain", "Đỗ", ""])
def test_split_pinyin_rejects_non_pinyin(hv, word):
    assert split_pinyin(word, hv.syllables) == []


def test_hanviet_table_readings_and_simplified_lookup(hv):
    assert "nguyễn" in hv.char_readings("阮")
    assert "thuận" in hv.char_readings("顺")  # Simplified, found through OpenCC
    chars = {c for r in hv.readings("ruan") if r.reading == "nguyễn" for c in r.chars}
    assert "阮" in chars


def test_labelled_list_is_checkable(hv):
    """Every row: pypinyin's romanisation of the characters, each character confirmed by
    the Hán-Việt table as having the name's syllable as a reading."""
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) >= 60
    assert {r["type"] for r in rows} == {"person", "place"}
    for r in rows:
        words = r["name"].split()
        assert len(words) == len(r["chars"]), r
        for w, c in zip(words, r["chars"], strict=True):
            assert fold_key(w.lower()) in {fold_key(x.lower()) for x in hv.char_readings(c)}, r
        romanised = "".join(lazy_pinyin(r["chars"], style=Style.NORMAL))
        assert r["rendering"].replace(" ", "").lower() == romanised, r
        assert r["source"], r


@pytest.mark.parametrize(
    "rendering, context, best",
    [
        ("Ruan Chunfu", "Chuyến thăm của Thủ tướng Việt Ruan Chunfu", "Nguyễn Xuân Phúc"),
        ("Qinghua", "Đoàn công tác đến tỉnh Qinghua", "Thanh Hóa"),
        ("Du Bosi", None, "Đỗ Bá Tỵ"),
        ("Henei", None, "Hà Nội"),
    ],
)
def test_resolve_known_names(resolver, rendering, context, best):
    cands = resolver.resolve(rendering, context)
    assert cands[0].name == best
    assert 0.0 < cands[-1].score <= cands[0].score <= 1.0
    ev = cands[0].evidence
    assert len(ev) == len(best.split())
    assert all({"pinyin", "reading", "chars", "simplified"} <= set(e) for e in ev)


def test_name_written_in_the_sentence_wins(resolver):
    ctx = "Ông Ruan Zhiyong, tức Nguyễn Chí Vịnh, phát biểu."
    assert resolver.resolve("Ruan Zhiyong", ctx)[0].name == "Nguyễn Chí Vịnh"


@pytest.mark.parametrize("text", ["Jens Stoltenberg", "Nguyễn Văn An", "", "123"])
def test_non_pinyin_gets_no_candidates(resolver, text):
    assert resolver.resolve(text) == []


def test_mined_gazetteer_counts_names_and_context(hv, tmp_path):
    sents = [
        "Thủ tướng Nguyễn Văn Ba thăm tỉnh Hà Lam.",
        "Ông Nguyễn Văn Ba cho biết.",
        "Theo Nguyễn Văn Ba, tỉnh Hà Lam đã sẵn sàng.",
        "Người dân Hà Lam vui mừng.",
    ]
    gaz = mine_gazetteer(sents, min_count=2, min_syllable_count=1)
    count, person, place, surface = gaz.lookup(["nguyễn", "văn", "ba"])
    assert (count, person, surface) == (3, 2, "Nguyễn Văn Ba")
    assert gaz.lookup(["hà", "lam"])[:3] == (3, 0, 2)
    assert gaz.lookup(["theo", "nguyễn"]) is None  # seen once: below min_count
    path = tmp_path / "g.tsv.gz"
    gaz.save(path)
    again = Gazetteer.load(path)
    assert again.names == gaz.names and again.syllables == gaz.syllables
    # the tiny gazetteer ranks its own name first
    assert Resolver(hv, again).resolve("Ruan Wenba")[0].name == "Nguyễn Văn Ba"


def test_gazetteer_errors(tmp_path):
    with pytest.raises(ModelError):
        Gazetteer.load(tmp_path / "missing.tsv.gz")
    bad = tmp_path / "bad.tsv.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as fh:
        fh.write("#runs\t3\nN\tHà Nội\tmany\t0\t0\n")
    with pytest.raises(InputError, match=":2:"):
        Gazetteer.load(bad)


def test_evaluate_list_reports_top1_top5(tmp_path):
    f = tmp_path / "l.tsv"
    f.write_text("rendering\tname\nRuan Chunfu\tNguyễn Xuân Phúc\nShunhua\tThuận Hóa\n",
                 encoding="utf-8")
    rep = evaluate_list(f, NamesSettings())
    assert (rep.n, rep.top1) == (2, 1)
    assert [m[0] for m in rep.misses] == ["Shunhua"]
    f.write_text("rendering\tgold\nRuan Chunfu\tx\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns"):
        evaluate_list(f, NamesSettings())


def test_cli_names_resolve(write, tmp_path):
    src = write("in.jsonl", [
        {"id": "a", "text": "Ruan Chunfu", "context": "Thủ tướng Việt Ruan Chunfu phát biểu"},
        {"id": "b", "text": "Jens Stoltenberg", "extra": 1},
    ])
    out = tmp_path / "out.jsonl"
    assert run_cli("names", "resolve", src, "--out", out, "--top-k", "3") == 0
    a, b = read_jsonl(out)
    assert a["candidates"][0]["name"] == "Nguyễn Xuân Phúc"
    assert len(a["candidates"]) == 3
    assert a["candidates"][0]["evidence"][0]["reading"] == "nguyễn"
    assert b["candidates"] == [] and b["extra"] == 1


@pytest.mark.parametrize(
    "content, line",
    [
        ('{"id": "a", "text": "Ruan Chunfu"}\n{"id": "b", "text": \n', 2),
        ('{"id": "a"}\n', 1),
        ('{"id": "a", "text": "Henei", "context": 3}\n', 1),
    ],
)
def test_cli_names_resolve_bad_input(write, tmp_path, capsys, content, line):
    src = write("bad.jsonl", content)
    out = tmp_path / "out.jsonl"
    assert run_cli("names", "resolve", src, "--out", out) == 2
    assert f"bad.jsonl:{line}:" in capsys.readouterr().err.replace("\n", "")
    assert not out.exists() and not (tmp_path / "out.jsonl.partial").exists()


def test_cli_names_eval(capsys):
    assert run_cli("names", "eval", LABELLED) == 0
    text = capsys.readouterr().out
    assert "top-1" in text and "top-5" in text


@pytest.mark.parametrize(
    "rendering, context, best",
    [
        ("Tiểu Dã Tự Ngũ Điển", "Bộ trưởng Nhật Bản Tiểu Dã Tự Ngũ Điển", "Itsunori Onodera"),
        ("An Bội Tấn Tam", "Thủ tướng Nhật Bản An Bội Tấn Tam", "Shinzou Abe"),
    ],
)
def test_japanese_name_read_back_through_kanji(resolver, rendering, context, best):
    cands = resolver.resolve(rendering, context)
    assert cands[0].name == best
    assert all("romaji" in e and "chars" in e for e in cands[0].evidence)


@pytest.mark.parametrize(
    "rendering, context",
    [
        ("Tiểu Dã Tự Ngũ Điển", None),  # no sentence about Japan: not read as Japanese
        ("Nguyễn Văn An", "Ông Nguyễn Văn An sang Nhật Bản"),  # a Vietnamese name it knows
    ],
)
def test_japanese_path_only_where_it_belongs(resolver, rendering, context):
    assert resolver.resolve(rendering, context) == []

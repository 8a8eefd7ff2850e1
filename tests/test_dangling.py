"""Issue #21: a function word a pivot translation left beside a replaced calque, dropped on the
corpus contexts of the calque's suggestion (repair.rewrite.dangling)."""

import gzip
import json

import pytest

from repair.aliases import AliasMatch, AliasRow, AliasTable
from repair.errors import ModelError
from repair.rewrite.dangling import (
    CONTEXTS,
    MIN_PHRASE,
    build_contexts,
    dangling_matches,
    load_contexts,
    save_contexts,
)
from repair.rewrite.propose import _splice, fixed_matches
from tests.conftest import run_cli

# a made-up calque and a made-up corpus writing its suggestion "bàn tròn kín"
CORPUS = [
    "Hai bên đã bàn tròn kín Bộ trưởng Nội vụ.",
    "Đoàn sẽ bàn tròn kín Thống đốc bang.",
    "Họ đã bàn tròn kín lãnh đạo tỉnh.",
    "Đoàn bàn tròn kín với các doanh nghiệp.",
    "Ông đã bàn tròn kín Chủ tịch tập đoàn.",
    "Bàn tròn kín Tổng giám đốc là việc đầu tiên.",
]
TABLE = AliasTable([AliasRow("bàn tròn kín", "calque", ("cuộc họp bàn tròn đóng",), (), (),
                             "test:1")])


@pytest.fixture(scope="module")
def contexts():
    found, n = build_contexts(CORPUS, ["bàn tròn kín"])
    assert n == len(CORPUS)
    return found


def test_contexts_count_both_sides(contexts):
    c = contexts["bàn tròn kín"]
    assert c.count == 6 >= MIN_PHRASE
    assert c.next["với"] == 1 and "trên" not in c.next and c.next_capitalised == 4
    assert c.prev["đã"] == 3 and "có" not in c.prev


@pytest.mark.parametrize("text, fixed", [
    # the preposition after it: dropped (the corpus takes a capitalised word directly)
    ("Đoàn đã có cuộc họp bàn tròn đóng trên Bộ trưởng Tài chính.",
     "Đoàn đã bàn tròn kín Bộ trưởng Tài chính."),
    # the same word beyond it: evidence enough although lowercase
    ("Họ đã cuộc họp bàn tròn đóng trên lãnh đạo thành phố.",
     "Họ đã bàn tròn kín lãnh đạo thành phố."),
    # the corpus writes the suggestion with "với": kept
    ("Đoàn cuộc họp bàn tròn đóng với các bộ.", "Đoàn bàn tròn kín với các bộ."),
    # no evidence for the word beyond (lowercase, never seen after it): kept
    ("Đoàn cuộc họp bàn tròn đóng trên mạng.", "Đoàn bàn tròn kín trên mạng."),
    # "có" before, the word before it seen there: dropped; a preposition before: kept
    ("Ông đã có cuộc họp bàn tròn đóng.", "Ông đã bàn tròn kín."),
    ("Ông nói với cuộc họp bàn tròn đóng.", "Ông nói với bàn tròn kín."),
    # "có" before a word never seen before the suggestion: kept
    ("Ông không có cuộc họp bàn tròn đóng.", "Ông không có bàn tròn kín."),
])
def test_dangling_words(contexts, text, fixed):
    ms = dangling_matches(text, TABLE.find(text), contexts)
    assert _splice(text, ms) == fixed
    if fixed.count(" ") < text.count(" ") - 2:  # a word dropped: the evidence says why
        assert "0 of 6 times" in ms[0].source and ms[0].source.startswith("test:1")


def test_no_evidence_no_drop(contexts):
    text = "Đoàn đã có cuộc họp bàn tròn đóng trên Bộ trưởng."
    found = TABLE.find(text)
    assert dangling_matches(text, found, {}) == found  # no contexts file
    few, _ = build_contexts(CORPUS[:MIN_PHRASE - 1], ["bàn tròn kín"])
    assert dangling_matches(text, found, few) == found  # written too rarely to tell
    alias = [AliasMatch(m.start, m.end, m.text, m.canonical, "alias", "x") for m in found]
    assert dangling_matches(text, alias, contexts) == alias  # only calques


def test_contexts_file_round_trip(tmp_path, contexts):
    path = tmp_path / "c.json.gz"
    save_contexts(path, contexts, sentences=6, source="test")
    assert load_contexts(str(path)) == contexts
    assert load_contexts(str(tmp_path / "none.json.gz")) == {}
    bad = tmp_path / "bad.json.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as fh:
        json.dump({"phrases": {"x": {"count": 1, "wrong": 2}}}, fh)
    with pytest.raises(ModelError, match="calque-contexts"):
        load_contexts(str(bad))


def test_shipped_contexts_on_the_known_calques():
    """The shipped contexts and calque table, on a sentence made up after building them."""
    from repair import project_path
    from repair.aliases import load_calque_table

    if not project_path(CONTEXTS).exists():
        pytest.skip("calque contexts not built")
    table = load_calque_table(project_path("configs/calques.tsv"))
    text = "Chiều nay, Bộ trưởng sẽ có cuộc gọi lịch sự với Thủ tướng Ba Lan tại Warsaw."
    ms = fixed_matches(text, table, leftovers=True, contexts=CONTEXTS)
    assert _splice(text, ms) == "Chiều nay, Bộ trưởng sẽ chào xã giao Thủ tướng Ba Lan tại Warsaw."
    plain = fixed_matches(text, table, leftovers=True)  # without contexts: the calque only
    assert _splice(text, plain) == text.replace("cuộc gọi lịch sự", "chào xã giao")


def test_cli_builds_the_contexts(tmp_path):
    corpus = tmp_path / "c.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as fh:
        for i, t in enumerate(CORPUS):
            fh.write(json.dumps({"doc_id": "d", "n": i, "text": t}, ensure_ascii=False) + "\n")
    calques = tmp_path / "calques.tsv"
    calques.write_text("phrase\tsuggestion\tnote\ncuộc họp bàn tròn đóng\tbàn tròn kín\tx\n",
                       encoding="utf-8")
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"rewrite:\n  calques: {calques}\n", encoding="utf-8")
    out = tmp_path / "ctx.json.gz"
    assert run_cli("train", "calque-contexts", "--corpus", corpus, "--out", out,
                   "--config", cfg) == 0
    assert load_contexts(str(out))["bàn tròn kín"].count == 6
    assert (tmp_path / "ctx.json.gz.config.yaml").exists()


@pytest.mark.parametrize("text, fixed", [
    # made up after building: a preposition before a place says where, and stays
    ("Đoàn đã cuộc họp bàn tròn đóng tới Hà Nội.", "Đoàn đã bàn tròn kín tới Hà Nội."),
    ("Đoàn đã cuộc họp bàn tròn đóng tại Đà Nẵng hôm qua.",
     "Đoàn đã bàn tròn kín tại Đà Nẵng hôm qua."),
    # a title whose first word alone is also written after "tại" ("tại Thủ đô"): dropped
    ("Đoàn đã cuộc họp bàn tròn đóng trên Thủ tướng Ba Lan.",
     "Đoàn đã bàn tròn kín Thủ tướng Ba Lan."),
])
def test_prepositions_before_places_stay(contexts, text, fixed):
    places = {"Hà Nội", "Đà Nẵng", "Thủ", "Ba Lan"}.__contains__
    assert _splice(text, dangling_matches(text, TABLE.find(text), contexts, places)) == fixed

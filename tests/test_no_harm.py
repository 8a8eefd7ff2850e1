"""Issue #21: what must not be deleted or rewritten in text people wrote, and names the
resolver is sure of taken into proposals."""

import pytest

from repair.aliases import AliasTable
from repair.detect import Detection, Span
from repair.rewrite import RewriteSettings, propose
from repair.rewrite.guard import deletion_problem
from repair.rewrite.lexicon import build_lexicon, lexicon_matches, load_lexicon, write_lexicon
from repair.rewrite.sure_names import name_fixes
from repair.text import Segment

COMPOUNDS = frozenset({"cam go", "vai trò", "hòa bình"})


@pytest.mark.parametrize("left, span, repair, right, problem", [
    ("vì lý do", " lý do", "", " A, lý do B", ""),            # exact doubled phrase: artifact
    ("cảm ơn các", " các", "", " cơ quan", ""),               # doubled function word
    ("đánh giá cao", " vai trò và vai trò", " vai trò", " của", ""),  # common-noun X và X
    ("quan hệ giữa", " Hàn Quốc và Hàn Quốc", " Hàn Quốc", " đang", "meaning"),  # a name's
    ("cả", " Ấn Độ lẫn Ấn Độ", " Ấn Độ", " đều", "meaning"),
    ("Tự do, tự do và", " tự do", "", " là khát vọng", "meaning"),  # figure "X, X và X"
    ("là", " điểm i", " điểm", ", khoản 1", "meaning"),         # a list label
    ("ngày càng", " cam go", " cam", ", quyết liệt", "meaning"),  # half a dictionary word
    ("Ông nói", " too", "", " nhé", ""),                        # an English leftover
    ("gặp ông", " X vv", " X", ".", ""),
    ("Xe", " Innowa", " Innova", " mới", ""),                   # not a deletion
    ("", "Hòa bình, hòa bình và hòa bình", "Hòa bình", " là", "meaning"),
    ("Phim \"The Lord", " of the", "", ' Rings" chiếu', "meaning"),  # inside quotes
    ("Ông nói", " đó , etc", " đó", ".", ""),
])
def test_deletion_problem(left, span, repair, right, problem):
    assert deletion_problem(left, span, repair, right, COMPOUNDS) == problem


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "terms.tsv.gz"
    corpus = ["Ông Donald Trump phát biểu.", "Xe Innova bán chạy.", "Phim Lord hay."] * 12
    write_lexicon(build_lexicon(corpus), path)
    return load_lexicon(str(path))


@pytest.mark.parametrize("text, word, fixed", [
    ("Tổng thống Donand Trump nói.", "Donand", None),  # inside a run of capitalised words
    ("Tổng thống Donand nói.", "Donand", "Donald"),    # alone: a misspelling
    ("Xe Innowa mới.", "Innowa", "Innova"),
    ('Phim "The Lorde" chiếu.', "Lorde", None),        # quoted English: a title
    ("Xe “Innowa” mới.", "Innowa", None),
])
def test_lexicon_leaves_names_and_quoted_english(lexicon, text, word, fixed):
    a = text.index(word)
    ms = lexicon_matches(text, [(a, a + len(word))], lexicon)
    assert (ms[0].canonical if ms else None) == fixed


def _named(text, core, cands):
    a = text.index(core)
    seg = Segment("s", "d", text, 0, len(text), 0)
    span = Span(a, a + len(core), "pinyin", core, 0.9,
                tuple({**c, "rendering": core, "evidence": ["pinyin: x"]} for c in cands))
    return Detection(seg, 0.95, True, (span,))


@pytest.mark.parametrize("cands, taken", [
    ([{"name": "Phạm Minh Chính", "score": 1.0, "known": True}], True),
    ([{"name": "Phạm Minh Chính", "score": 1.0, "known": True},
      {"name": "Phạm Minh Chánh", "score": 0.0, "known": False}], True),
    ([{"name": "Phạm Minh Chính", "score": 1.0, "known": True},
      {"name": "Phạm Minh Chánh", "score": 0.8, "known": True}], False),  # ambiguous
    ([{"name": "Phạm Minh Chính", "score": 0.7, "known": True}], False),  # weak
    ([{"name": "Phạm Minh Chính", "score": 1.0, "known": False}], False),  # news never wrote it
])
def test_name_candidate_taken_only_when_strong_and_unambiguous(cands, taken):
    text = "Thủ tướng Fan Mingzheng đã tiếp đoàn."
    det = _named(text, "Fan Mingzheng", cands)
    assert bool(name_fixes(det)) == taken
    (p,) = propose([det], RewriteSettings(calques=None), AliasTable())
    if taken:
        assert p.text == "Thủ tướng Phạm Minh Chính đã tiếp đoàn."
        assert p.source == "name" and p.low_confidence
        assert p.replacements[0].type == "name" and "resolver score" in p.replacements[0].source
    else:
        assert p.text == text and not p.low_confidence


def test_clean_human_sentences_skip_what_eval_reads(tmp_path):
    import gzip
    import json

    from repair.eval.harm import clean_human_sentences

    rows = [" ".join(["từ"] * (45 if i % 7 == 0 else 10)) + f" {i}" for i in range(60)]
    p = tmp_path / "dev.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        for i, t in enumerate(rows):
            fh.write(json.dumps({"doc_id": "d", "n": i, "text": t}) + "\n")
    got = clean_human_sentences(p, n=10, skip=20)
    long_ones = [i for i in range(20, 60) if i % 7 == 0]
    assert len(got) == 10 and all(i >= 20 for i, _ in got)
    assert set(long_ones) <= {i for i, _ in got}  # every unread long sentence first
    assert {i for i, _ in got} - set(long_ones) == {55, 57, 58, 59}  # then the last ones

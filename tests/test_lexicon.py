"""The term lexicon: corpus spellings of foreign terms, proposed for rare words in flagged spans."""

import pytest

from repair.rewrite.lexicon import (
    LexiconSettings,
    TermLexicon,
    build_lexicon,
    lexicon_matches,
    load_lexicon,
    write_lexicon,
)

CORPUS = (
    ["Xe Innova bán chạy.", "Giải Premier League khởi tranh."] * 10
    + ["Chất độc dioxin còn tồn lưu."] * 9
    + ["Ông Trump phát biểu.", "Ông Ryan và ông Dual."] * 12
    + ["Nhạc bolero được yêu thích.", "Dòng nhạc Bolero."] * 5
    + ["Hãng Lexus và hãng Lexas."] * 8  # two spellings as frequent: no correction between
)


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    path = tmp_path_factory.mktemp("lex") / "terms.tsv.gz"
    write_lexicon(build_lexicon(CORPUS), path)
    return load_lexicon(str(path))


@pytest.mark.parametrize("word, fixed", [
    ("Innowa", "Innova"),       # one edit from a frequent term
    ("Legaue", "League"),       # transposition
    ("Diorcin", "dioxin"),      # two edits from 7 letters; news writes it lowercase
    ("bonlero", "bolero"),      # written in lowercase, and news writes it so too
    ("Truamp", "Trump"),
    ("Innova", None),           # known words stay
    ("Ruan", None),             # pinyin: names are resolved elsewhere, never "corrected"
    ("Lawyer", None),           # an English word is a leftover, not a misspelling
    ("Lexis", None),            # two candidates as frequent: left to a reviewer
    ("Inn", None),              # too short
    ("Nguyễn", None),           # not Latin-only
])
def test_corrections(lexicon, word, fixed):
    got = lexicon.correction(word)
    assert (got[0] if got else None) == fixed


def test_evidence_names_counts(lexicon):
    form, evidence = lexicon.correction("Innowa")
    assert "'Innova' written 10x" in evidence and "'Innowa' 0x" in evidence


def test_only_inside_flagged_spans_and_sentence_case(lexicon):
    text = "Innowa đẹp, chiếc Innowa cũ."
    first = (0, 6)
    ms = lexicon_matches(text, [first], lexicon)
    assert [(m.start, m.canonical, m.type) for m in ms] == [(0, "Innova", "lexicon")]
    ms = lexicon_matches("Diorcin độc hại.", [(0, 7)], lexicon)
    assert ms[0].canonical == "Dioxin"  # a sentence's first word keeps its capital


def test_bad_lexicon_file_names_line(tmp_path):
    import gzip

    from repair.errors import InputError

    p = tmp_path / "bad.tsv.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("#lexicon\tterm\tcount\tlowercase\nInnova\t10\t0\nbroken line\n")
    with pytest.raises(InputError) as err:
        load_lexicon(str(p))
    assert "bad.tsv.gz" in str(err.value) and ":3" in str(err.value)


def test_settings_thresholds():
    counts = build_lexicon(CORPUS)
    strict = TermLexicon(counts, LexiconSettings(min_count=100))
    assert strict.correction("Innowa") is None  # Innova is not frequent enough here


def _det(text, spans, flagged=True):
    from repair.detect import Detection, Span
    from repair.text import Segment

    seg = Segment("s", "d", text, 0, len(text), 0)
    return Detection(seg, 0.9, flagged, tuple(Span(a, b, "term", text[a:b], 0.9)
                                              for a, b in spans))


@pytest.mark.parametrize("flagged, spans, text, source", [
    (True, [(4, 10)], "Xe Innova mới.", "lexicon"),   # flagged span: corrected
    (True, [(0, 2)], "Xe Innowa mới.", "unchanged"),  # flagged, but not that word
    (False, [(4, 10)], "Xe Innowa mới.", "unchanged"),  # not flagged: nothing changes
])
def test_propose_uses_lexicon_in_flagged_spans(lexicon, flagged, spans, text, source):
    from repair.aliases import AliasTable
    from repair.rewrite import RewriteSettings, propose

    settings = RewriteSettings(calques=None, lexicon=str(lexicon.path))
    (p,) = propose([_det("Xe Innowa mới.", spans, flagged)], settings, AliasTable())
    assert (p.text, p.source) == (text, source)
    if source == "lexicon":
        assert p.replacements[0].type == "lexicon" and "Innova" in p.replacements[0].source

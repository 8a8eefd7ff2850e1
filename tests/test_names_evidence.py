"""Name evidence without an alias table (repair.detect.names) and its statistics
(repair.names.stats)."""

import dataclasses
import gzip

import pytest

from repair.detect import detect
from repair.detect.names import NameEvidence
from repair.errors import InputError, ModelError
from repair.names.stats import NameStats, mine_name_stats
from repair.text import Segment

# A small corpus: "ô nhiễm" and "chế biến" never come before a capitalised word, "ông" does.
_CORPUS = (
    ["Nhà máy gây ô nhiễm nguồn nước nghiêm trọng."] * 60
    + ["Công nghệ chế biến thực phẩm được cải tiến."] * 60
    + ["Hôm qua ông Trump gặp ông Putin, ông Abe và ông Marchand."] * 60
    + ["Dịch vụ online và virus máy tính là chuyện thường."] * 5
)


@pytest.fixture(scope="module")
def stats():
    s = mine_name_stats(_CORPUS)
    s.japanese.update({"onodera": (2, 0), "watanabe": (3, 0), "itsunori": (0, 1),
                       "iwasaki": (1, 0), "shinzo": (0, 0), "abe": (4, 0)})
    return s


@pytest.fixture(scope="module")
def evidence(stats):
    return NameEvidence(stats)


def _hits(evidence, text):
    return [(s.text, s.evidence.split(" ")[0]) for s in evidence.spans(text)]


@pytest.mark.parametrize(
    "text, marked",
    [
        # unseen capitalised word where clean news puts no name
        ("Việt Nam muốn xử lý ô nhiễm Doxian ở sân bay.", "Doxian"),
        ("Họ thử nghiệm công nghệ chế biến Diorcin.", "Diorcin"),
        # English gloss inside a Vietnamese name
        ("Bộ trưởng Nhật Bản Ông Tây canon đã tới.", "Tây canon"),
        ("Hôm qua ông Nguyễn Văn Mountain phát biểu.", "Nguyễn Văn Mountain"),
        # name before a lower-case title
        ("Du Bo Pat đô đốc bày tỏ tin tưởng.", "Du Bo Pat"),
        ("Hợp tác đa phương, Dob Pat đô đốc đề nghị hai bên hợp tác.", "Dob Pat"),
        # Japanese surname first
        ("Bộ trưởng Quốc phòng Nhật Bản Onodera Watanabe bày tỏ hy vọng.", "Onodera Watanabe"),
        # Hán-Việt syllable inside a Japanese name
        ("Phái đoàn Nhật Bản do tướng Iwasaki Mao dẫn đầu.", "Iwasaki Mao"),
    ],
)
def test_rules_mark_wrong_names(evidence, text, marked):
    spans = evidence.spans(text)
    assert [s.text for s in spans] == [marked]
    s = spans[0]
    assert text[s.start : s.end] == s.text and s.category == "name" and s.evidence
    assert 0.5 <= s.weight < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Bộ trưởng Quốc phòng Nhật Bản Itsunori Onodera cảm ơn Bộ Quốc phòng Việt Nam.",
        "Hôm qua ông Marchand gặp ông Hekmatjar.",  # unseen, but where names go
        "Nhà máy gây ô nhiễm nguồn nước.",
        "Hai bộ trưởng đã thẳng thắn trao đổi.",  # the sentence's first word is no name
        "Ông Nguyễn Văn Nam, giám đốc công ty, phát biểu.",
        "Phó chủ tịch UBND tỉnh phát biểu.",
        "Tuyến metro số 1 đang tăng tốc; dịch vụ online của Hà Nội phát triển.",
        "Anh Trần Văn T. cho biết.",
        "Diễn viên Ichikawa Ebizo cùng con trai.",  # Ebizo is no known name word
        "Thủ tướng Nhật Bản Shinzo Abe thăm Việt Nam.",
        "Iwasaki Mao dẫn đầu đoàn.",  # no word of Japan: the rule does not look
    ],
)
def test_rules_leave_correct_text(evidence, text):
    assert evidence.spans(text) == []


def test_slot_rate_backs_off_and_needs_counts(stats):
    assert stats.name_slot_rate(["ô", "nhiễm"]) == 0.0
    assert stats.name_slot_rate(["gặp", "ông"]) == 1.0  # the pair is rare: the word "ông"
    assert stats.name_slot_rate(["xyz"]) is None
    assert stats.seen("Trump") and stats.seen_lower("virus") == 5 and not stats.seen("Doxian")


def test_stats_round_trip_and_malformed_rows(tmp_path, stats):
    p = tmp_path / "s.tsv.gz"
    stats.save(p)
    back = NameStats.load(p)
    assert (back.words, back.slots, back.japanese, back.sentences) == (
        stats.words, stats.slots, stats.japanese, stats.sentences)
    with gzip.open(p, "at", encoding="utf-8") as fh:
        fh.write("X\tbad\n")
    with pytest.raises(InputError) as e:
        NameStats.load(p)
    assert e.value.line is not None
    with pytest.raises(ModelError):
        NameStats.load(tmp_path / "missing.tsv.gz")


def test_japanese_readings_come_from_the_kanji_dictionary():
    from repair.names.stats import mine_japanese

    table = mine_japanese()
    sur, given = table["watanabe"]
    assert sur and not given  # 渡辺, 渡部
    assert table["itsunori"][1] and not table["itsunori"][0]  # 五典


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("Việt Nam muốn Nhật Bản giúp xử lý ô nhiễm Doxian ở biên giới và sân bay.", True),
        ("Du Bo Pat đô đốc bày tỏ tin tưởng rằng hợp tác sẽ phát triển.", True),
        ("Bộ trưởng Quốc phòng Nhật Bản Itsunori Onodera cảm ơn Bộ Quốc phòng.", False),
    ],
)
def test_shipped_statistics_in_the_rules_detector(settings, text, flagged):
    from repair.aliases import AliasTable

    rules_only = dataclasses.replace(settings.detect, model=None, threshold=None)
    (det,) = detect([Segment("s", "d", text, 0, len(text), 0)], rules_only, AliasTable([]))
    names = [s for s in det.spans if s.category == "name"]
    assert bool(names) == flagged
    if flagged:
        assert det.flagged and names[0].to_dict()["evidence"]


def test_name_rules_can_be_switched_off(settings):
    from repair.aliases import AliasTable

    text = "Du Bo Pat đô đốc bày tỏ tin tưởng."
    off = dataclasses.replace(settings.detect, model=None, threshold=None, name_stats=None)
    (det,) = detect([Segment("s", "d", text, 0, len(text), 0)], off, AliasTable([]))
    assert not [s for s in det.spans if s.category == "name"]


def test_gazetteer_command_also_mines_the_name_statistics(tmp_path):
    import json

    from .test_cli import run_cli

    corpus = tmp_path / "c.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as fh:
        for t in _CORPUS:
            fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    out = tmp_path / "names" / "gazetteer.tsv.gz"
    assert run_cli("names", "gazetteer", "--corpus", corpus, "--out", out,
                   "--min-count", "1") == 0
    stats = NameStats.load(out.with_name("name_stats.tsv.gz"))
    assert stats.sentences == len(_CORPUS) and stats.name_slot_rate(["ô", "nhiễm"]) == 0.0


@pytest.mark.parametrize(
    "text, verified",
    [
        ("Bộ trưởng Itsunori Onodera phát biểu.", ["Itsunori Onodera"]),
        ("Bộ trưởng Onodera Itsunori phát biểu.", []),  # surname first: not the Vietnamese order
        ("Bộ trưởng Onodera Watanabe phát biểu.", []),
        ("Bộ trưởng Nguyễn Xuân Phúc phát biểu.", []),
    ],
)
def test_verified_japanese_names(evidence, text, verified):
    assert [text[a:b] for a, b in evidence.verified_names(text)] == verified


def test_model_sees_no_artifact_in_a_verified_name(settings):
    from repair.aliases import AliasTable

    text = "Bộ trưởng Quốc phòng Nhật Bản Itsunori Onodera nhấn mạnh quan hệ với Việt Nam."
    seg = Segment("s", "d", text, 0, len(text), 0)
    (on,) = detect([seg], settings.detect, AliasTable([]))
    (off,) = detect([seg], dataclasses.replace(settings.detect, name_stats=None), AliasTable([]))
    assert on.score < 0.2 < off.score and not on.spans

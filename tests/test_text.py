import json

import pytest

from repair.errors import InputError
from repair.text import (
    is_vietnamese_syllable,
    nfc,
    normalize_tones,
    read_documents,
    segment_documents,
    split_sentences,
)

from .conftest import SAMPLES, SHARED


@pytest.mark.parametrize(
    "given, expected",
    [
        ("hoà bình", "hòa bình"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("hòa", "hòa"),
        ("Hoà", "Hòa"),
        ("người", "người"),
        ("quốc", "quốc"),
        ("hoàn", "hoàn"),
        ("ABC hoà.", "ABC hòa."),
    ],
)
def test_normalize_tones(given, expected):
    assert normalize_tones(given) == expected
    assert len(normalize_tones(given)) == len(nfc(given))


@pytest.mark.parametrize(
    "token, ok",
    [
        ("Nguyễn", True),
        ("người", True),
        ("giữ", True),
        ("gìn", True),
        ("quốc", True),
        ("khuỷu", True),
        ("nghe", True),
        ("Tây", True),
        ("canon", False),
        ("Five", False),
        ("Onodera", False),
        ("Chunfu", False),
        ("Ruan", False),
        ("Diorcin", False),
        ("ka", False),
        ("ge", False),
        ("ngi", False),
        ("hàt", False),
    ],
)
def test_vietnamese_syllable(token, ok):
    assert is_vietnamese_syllable(token) is ok


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ông A đến TP. Hồ Chí Minh. Sau đó ông về.",
            ["Ông A đến TP. Hồ Chí Minh.", "Sau đó ông về."],
        ),
        (
            "Hội nghị diễn ra ngày 18-19/2. Hai bên nhất trí.",
            ["Hội nghị diễn ra ngày 18-19/2.", "Hai bên nhất trí."],
        ),
        (
            'Ông nói: "Tốt lắm. Rất tốt." Sau đó ông về.',
            ['Ông nói: "Tốt lắm. Rất tốt."', "Sau đó ông về."],
        ),
        ("Có cam, quýt v.v. và nhiều loại khác.", ["Có cam, quýt v.v. và nhiều loại khác."]),
        ("GS. TS. Nguyễn Văn A phát biểu.", ["GS. TS. Nguyễn Văn A phát biểu."]),
        (
            "Tiêu đề không có dấu chấm\n-----------------\nCâu một. Câu hai!",
            ["Tiêu đề không có dấu chấm", "Câu một.", "Câu hai!"],
        ),
        (
            "Bộ trưởng Ngô Xuân Lịch.Lễ đón diễn ra tại QDND.vn hôm qua.",
            ["Bộ trưởng Ngô Xuân Lịch.", "Lễ đón diễn ra tại QDND.vn hôm qua."],
        ),
        ("Kết thúc bài viết./.", ["Kết thúc bài viết./."]),
    ],
)
def test_split_sentences(text, expected):
    assert _sentences(text) == expected


def test_segments_of_seed_articles_match_labelled_sentences():
    if not (SHARED / "seed_dev.jsonl").exists():
        pytest.skip("shared data not available")
    gold = sorted(
        (json.loads(line) for line in open(SHARED / "seed_dev.jsonl")), key=lambda g: g["id"]
    )
    segs = list(segment_documents(read_documents([SAMPLES])))
    assert [s.text for s in segs] == [g["text"] for g in gold]


def test_segment_offsets_point_into_original(write):
    text = "Câu đầu.  Câu hoà thứ hai.\n\nTiêu đề"
    path = write("a.txt", text)
    segs = list(segment_documents(read_documents([path])))
    assert [s.id for s in segs] == ["a#0", "a#1", "a#2"]
    for s in segs:
        assert nfc(text[s.start : s.end]) == s.text


def test_jsonl_records_keep_ids_and_fields(write):
    path = write("r.jsonl", [{"id": "x1", "text": "Câu một. Câu hai.", "lang": "vi"}])
    (seg,) = segment_documents(read_documents([path]), unit="sentence")
    assert (seg.id, seg.text, seg.fields["lang"]) == ("x1", "Câu một. Câu hai.", "vi")
    segs = list(segment_documents(read_documents([path])))
    assert [s.id for s in segs] == ["x1#0", "x1#1"]


@pytest.mark.parametrize(
    "name, content, line, needle",
    [
        ("bad.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', 2, "malformed JSON"),
        ("notext.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2}\n', 2, "no 'text'"),
        ("list.jsonl", "[1, 2]\n", 1, "JSON object"),
        ("latin1.txt", "Cau mot.\nhoà".encode("latin-1"), 2, "UTF-8"),
        (
            "latin1.jsonl",
            '{"id": 1, "text": "ok"}\n{"id": 2, "text": "hoà"}\n'.encode("latin-1"),
            2,
            "UTF-8",
        ),
    ],
)
def test_bad_input_names_file_and_line(write, name, content, line, needle):
    path = write(name, content)
    with pytest.raises(InputError) as err:
        list(read_documents([path]))
    assert f"{path}:{line}:" in str(err.value) and needle in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_documents([tmp_path / "nope.txt"]))

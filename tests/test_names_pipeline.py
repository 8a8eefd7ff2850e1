"""Name candidates in the pipeline: on flagged name spans in `repair run` output and queue,
in the review view, applied only by a reviewer, and offered as an alias row."""

import json

import pytest

from repair.detect import Detection, Span
from repair.detect.candidates import attach_candidates
from repair.names import NamesSettings, load_resolver
from repair.names.review import candidate_text, candidates_html
from repair.text import Segment

from .conftest import read_jsonl, run_cli

RUAN = "Trong chuyến thăm của Thủ tướng Việt Ruan Chunfu, hai bên đã ký công hàm."
KOREAN = "Bà Kim Young Ae từng chia sẻ bản thân có niềm đam mê diễn xuất rất lớn."
CLEAN = "Tổng thư ký NATO Jens Stoltenberg và ông Itsunori Onodera đã gặp nhau tại Brussels."


def _det(text, spans, flagged=True):
    seg = Segment("s", "d", text, 0, len(text), 0)
    return Detection(seg, 0.99 if flagged else 0.1, flagged, tuple(spans))


def _span(text, sub, category):
    i = text.index(sub)
    return Span(i, i + len(sub), category, sub, 0.9)


@pytest.fixture(scope="module")
def resolver():
    return load_resolver(NamesSettings())


def test_attach_candidates_to_flagged_name_spans(resolver):
    det = _det(RUAN, [_span(RUAN, "Việt Ruan Chunfu", "pinyin"), _span(RUAN, "công hàm", "calque")])
    (out,) = attach_candidates([det], resolver, top_k=3)
    name, other = out.spans
    assert name.candidates[0]["name"] == "Nguyễn Xuân Phúc"
    assert name.candidates[0]["rendering"] == "Ruan Chunfu"  # "Việt" is not part of the name
    assert len(name.candidates) == 3 and not other.candidates
    assert "candidates" in name.to_dict() and "candidates" not in other.to_dict()
    assert out.segment.text == RUAN  # nothing applied


@pytest.mark.parametrize(
    "det",
    [
        _det(RUAN, [_span(RUAN, "Ruan Chunfu", "pinyin")], flagged=False),  # not flagged
        _det(CLEAN, [_span(CLEAN, "Jens Stoltenberg", "english_name")]),  # not pinyin
        _det(CLEAN, [_span(CLEAN, "Itsunori Onodera", "calque_name")]),  # romaji
        # splits into pinyin (a e), but no reading is a name clean news uses
        _det(KOREAN, [_span(KOREAN, "Young Ae", "pinyin")]),
    ],
)
def test_no_candidates_where_none_belong(resolver, det):
    (out,) = attach_candidates([det], resolver)
    assert all(not s.candidates for s in out.spans)


def test_candidate_text_and_html(resolver):
    (out,) = attach_candidates([_det(RUAN, [_span(RUAN, "Ruan Chunfu", "pinyin")])], resolver)
    span = out.spans[0].to_dict()
    best = span["candidates"][0]
    assert candidate_text(RUAN, RUAN, span, best) == RUAN.replace("Ruan Chunfu",
                                                                  "Nguyễn Xuân Phúc")
    with pytest.raises(ValueError):
        candidate_text("khác", "khác", span, best)
    html = candidates_html([span])
    assert "Nguyễn Xuân Phúc" in html and "阮 ruan → nguyễn" in html
    assert candidates_html([{"text": "x", "start": 0, "end": 1, "category": "date"}]) == ""


@pytest.fixture
def no_alias_config(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("aliases: []\ndetect:\n  model: models/detector\n", encoding="utf-8")
    return cfg


def test_run_output_queue_review_and_alias_row(write, tmp_path, capsys, no_alias_config):
    src = write("in.jsonl", [{"id": "a", "text": RUAN}, {"id": "b", "text": CLEAN}])
    out, queue = tmp_path / "out.jsonl", tmp_path / "q.db"
    assert run_cli("run", src, "--out", out, "--queue", queue, "--unit", "sentence",
                   "--config", no_alias_config) == 0
    a, b = read_jsonl(out)
    assert a["flagged"]
    named = [s for s in a["spans"] if s.get("candidates")]
    assert named and named[0]["candidates"][0]["name"] == "Nguyễn Xuân Phúc"
    # a strong, unambiguous candidate is taken (#21), never silently: low confidence, evidence
    assert "Nguyễn Xuân Phúc" in a["proposal"] and a["low_confidence"]
    assert a["proposal_source"] == "name" and a["replacements"][0]["type"] == "name"
    assert b["proposal"] == CLEAN and not any(s.get("candidates") for s in b["spans"])

    from repair.review import Queue

    with Queue(queue) as q:
        (item,) = [it for it in q.items() if it.text == RUAN]
    assert item.proposal == a["proposal"]
    assert any(s.get("candidates") for s in item.spans)
    # the review view (notebook) shows them with their evidence
    from repair.aliases import AliasTable
    from repair.notebook.session import ReviewSession

    session = ReviewSession(queue, "an", aliases=AliasTable())
    view = session.render_html()
    session.queue.close()
    assert "name candidates" in view and "Nguyễn Xuân Phúc" in view and "阮 ruan" in view
    capsys.readouterr()
    assert run_cli("names", "accept", item.id, "--queue", queue, "--reviewer", "an",
                   "--config", no_alias_config) == 0
    captured = capsys.readouterr()
    decision = json.loads(captured.out)
    assert decision["action"] == "edit" and "Nguyễn Xuân Phúc" in decision["final_text"]
    assert "Nguyễn Xuân Phúc\tperson\tRuan Chunfu" in captured.err
    rows = tmp_path / "rows.tsv"
    assert run_cli("aliases", "suggest", "--queue", queue, "--out", rows,
                   "--config", no_alias_config) == 0
    assert "Nguyễn Xuân Phúc\tperson\tRuan Chunfu" in rows.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "candidate, entry, row",
    [
        ({"name": "Nguyễn Xuân Phúc", "rendering": "Ruan Chunfu"}, None,
         "Nguyễn Xuân Phúc\tperson\tRuan Chunfu"),
        ({"name": "Thanh Hóa", "rendering": "Qinghua"}, (900, 10, 400, "Thanh Hóa"),
         "Thanh Hóa\tplace\tQinghua"),
        ({"name": "Lê Văn Thanh", "rendering": "Li Wenqing"}, (50, 30, 2, "Lê Văn Thanh"),
         "Lê Văn Thanh\tperson\tLi Wenqing"),
    ],
)
def test_alias_row_of_a_candidate(candidate, entry, row):
    from repair.names.review import alias_row

    assert alias_row(candidate, entry) == row


def test_candidate_choices_list_every_candidate():
    from repair.names.review import candidate_choices

    spans = [
        {"text": "x", "start": 0, "end": 1, "category": "date"},
        {"text": "Ruan Chunfu", "start": 2, "end": 13, "category": "pinyin", "candidates": [
            {"name": "Nguyễn Xuân Phúc", "score": 0.9, "rendering": "Ruan Chunfu"},
            {"name": "Nguyễn Xuân Phước", "score": 0.1, "rendering": "Ruan Chunfu"}]},
    ]
    assert [c for _, c in candidate_choices(spans)] == [(1, 0), (1, 1)]
    assert candidate_choices(spans)[0][0] == "Nguyễn Xuân Phúc for Ruan Chunfu (0.90)"


def test_notebook_candidate_button_fills_the_edit_box_only(write, tmp_path, no_alias_config):
    from repair.aliases import AliasTable
    from repair.notebook.session import ReviewSession
    from repair.notebook.ui import ReviewWidget
    from repair.review import Queue

    src = write("in.jsonl", [{"id": "a", "text": RUAN}])
    queue = tmp_path / "q.db"
    assert run_cli("run", src, "--out", tmp_path / "o.jsonl", "--queue", queue, "--unit",
                   "sentence", "--config", no_alias_config) == 0
    ui = ReviewWidget(ReviewSession(queue, "an", aliases=AliasTable()))
    item = ui.session.current
    assert ui.candidate_row.layout.display == "flex"
    assert ui.candidate.options[0][0].startswith("Nguyễn Xuân Phúc for Ruan Chunfu")
    ui.use_candidate_button.click()
    assert "Nguyễn Xuân Phúc" in ui.editor.value and "Ruan Chunfu" not in ui.editor.value
    assert "Nguyễn Xuân Phúc\tperson\tRuan Chunfu" in ui.message.value
    with Queue(queue) as q:  # nothing applied until the reviewer saves the edit
        assert q.get(item.id).status == "pending" and not q.decisions()
    ui.buttons["edit"].click()
    assert "alias row offered" in ui.message.value
    with Queue(queue) as q:
        d = q.get(item.id)
        assert d.status == "edited" and "Nguyễn Xuân Phúc" in d.final_text
        assert d.history[-1].comment == "name candidate Ruan Chunfu -> Nguyễn Xuân Phúc"
    ui.session.queue.close()

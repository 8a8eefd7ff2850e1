"""Learned edit templates (issue #20): edits over name and number slots, learned from what
reviewers agree on, applied deterministically to names no reviewer saw, never to text that is
already correct, with the reviewers' counts as evidence."""

import dataclasses
import json

import pytest

from repair.aliases import AliasMatch, AliasTable
from repair.detect.templates import Template, TemplateSet, load_templates
from repair.errors import ModelError
from repair.rewrite.propose import _splice, fixed_matches
from repair.train.templates import TemplateSettings, edit_candidates, mine_templates

STATS = "models/names/name_stats.tsv.gz"
MOVE = Template(("{NAME1}", "Tổng", "thống"), "Tổng thống {NAME1}", 6, 6, 6, 0.0, True)

# reviewers move the title before five different names
REVIEWED = [
    ("Donald Trump Tổng thống cho biết hôm qua.", "Tổng thống Donald Trump cho biết hôm qua."),
    ("Ông nói Vladimir Putin Tổng thống đã đến Minsk.",
     "Ông nói Tổng thống Vladimir Putin đã đến Minsk."),
    ("Theo Emmanuel Macron Tổng thống, Pháp sẽ đáp trả.",
     "Theo Tổng thống Emmanuel Macron, Pháp sẽ đáp trả."),
    ("Cuộc gặp giữa Recep Tayyip Erdogan Tổng thống và ông Biden.",
     "Cuộc gặp giữa Tổng thống Recep Tayyip Erdogan và ông Biden."),
    ("Hôm nay, Rodrigo Duterte Tổng thống ký sắc lệnh.",
     "Hôm nay, Tổng thống Rodrigo Duterte ký sắc lệnh."),
    ("Bà cho rằng Mỹ Barack Obama Tổng thống đã sai.",
     "Bà cho rằng Tổng thống Mỹ Barack Obama đã sai."),
]
CLEAN = ["Tổng thống Donald Trump nói.", "Tân Tổng thống Mỹ đến Hà Nội.",
         "Trời hôm nay đẹp.", "Chính phủ họp."] * 3


@pytest.mark.parametrize("machine, final, want", [
    (REVIEWED[0][0], REVIEWED[0][1], [(("{NAME1}", "Tổng", "thống"), "Tổng thống {NAME1}")]),
    # a name run the edit cuts is taken whole; "Mỹ" is part of the name run
    (REVIEWED[5][0], REVIEWED[5][1], [(("{NAME1}", "Tổng", "thống"), "Tổng thống {NAME1}")]),
    # a deletion next to a number: grown by the number, which becomes a slot
    ("Ông sinh năm 1950 năm tại Huế.", "Ông sinh năm 1950 tại Huế.",
     [(("{NUM1}", "năm"), "{NUM1}")]),
    # an insertion before a name alone has no literal word: no template
    ("Theo Trump, Mỹ sẽ đến.", "Theo ông Trump, Mỹ sẽ đến.", []),
    # a literal replacement without a slot is a pattern's business, not a template's
    ("Ông dùng điện não mỗi ngày.", "Ông dùng máy tính mỗi ngày.", []),
])
def test_edit_candidates(machine, final, want):
    from repair.detect.templates import NameWords

    assert edit_candidates(machine, final, NameWords(STATS)) == want


@pytest.mark.parametrize("text, fixed", [
    ("Joe Biden Tổng thống phát biểu.", "Tổng thống Joe Biden phát biểu."),  # unseen name
    ("Ông gặp Ashraf Ghani Tổng thống tại Kabul.", "Ông gặp Tổng thống Ashraf Ghani tại Kabul."),
    ("Cựu Jacques Chirac Tổng thống qua đời.", "Cựu Tổng thống Jacques Chirac qua đời."),
    ("Tổng thống Joe Biden phát biểu.", None),  # correct order: the machine side only
    ("Ông nói với tổng thống Biden.", None),
    # words that open a name run without being part of it stay where they are
    ("Phó Mike Pence Tổng thống nói.", "Phó Tổng thống Mike Pence nói."),
    ("Ông Joe Biden Tổng thống", "Ông Tổng thống Joe Biden"),
])
def test_a_template_applies_to_any_name_and_leaves_correct_order(text, fixed):
    ms = fixed_matches(text, AliasTable(), dates=False, templates=[TemplateSet([MOVE], STATS)])
    assert (_splice(text, ms) if ms else None) == fixed
    assert all(m.type == "template" and "6 of 6 reviewed sentences" in m.source for m in ms)


def test_templates_learned_from_reviewers_with_counts():
    (t,) = mine_templates([m for m, _ in REVIEWED], [f for _, f in REVIEWED], CLEAN, STATS,
                          TemplateSettings(fit_share=0.5))
    assert t.source == ("{NAME1}", "Tổng", "thống") and t.target == "Tổng thống {NAME1}"
    assert (t.edits, t.seen, t.agreed, t.apply) == (6, 6, 6, True)
    assert t.exclude == ("Tân",)  # the clean "Tân Tổng thống" (new president) is no name
    ts = TemplateSet([t], STATS)
    assert not ts.matches("Tân Tổng thống Mỹ đến.")
    assert [m.replacement for m in ts.matches("Kim Jong-un Tổng thống")] == [
        "Tổng thống Kim Jong-un"]


def test_disagreement_or_clean_matches_leave_it_to_the_model():
    machine = [m for m, _ in REVIEWED]
    # reviewers wrote the name and title apart in half of the sentences
    split = [f if i % 2 else m.replace(" Tổng thống", ", Tổng thống,")
             for i, (m, f) in enumerate(REVIEWED)]
    (t,) = mine_templates(machine, split, CLEAN, STATS, TemplateSettings(min_count=3,
                                                                          fit_share=0.5))
    assert t.seen == 6 and t.agreed == 3 and not t.apply
    # the machine side is frequent in correct text: never applied
    noisy = ["Ảnh: Le Monde Tổng thống Pháp nói."] * 10
    (t,) = mine_templates(machine, [f for _, f in REVIEWED], noisy, STATS,
                          TemplateSettings(fit_share=0.0))
    assert t.agreed == 6 and t.per_million > 100 and not t.apply
    assert not TemplateSet([t], STATS).matches(REVIEWED[0][0])  # evidence only


def test_reviewed_edits_left_alone_are_evidence_against():
    machine = [m for m, _ in REVIEWED] + ["Joe Biden Tổng thống nói."] * 6
    final = [f for _, f in REVIEWED] + ["Joe Biden Tổng thống nói."] * 6
    (t,) = mine_templates(machine, final, CLEAN, STATS, TemplateSettings(fit_share=0.5))
    assert (t.seen, t.agreed, t.apply) == (12, 6, False)


def test_inner_alias_match_is_applied_inside_the_slot():
    text = "Ruan Chunfu Tổng thống phát biểu."
    inner = AliasMatch(0, 11, "Ruan Chunfu", "Nguyễn Xuân Phúc", "alias", "row 3")
    (m,) = TemplateSet([MOVE], STATS).alias_matches(text, [inner])
    assert m.canonical == "Tổng thống Nguyễn Xuân Phúc" and m.type == "template"
    # a literal row (a calque, an agreed pattern) over the same words is more specific
    row = AliasMatch(0, 23, "Ruan Chunfu Tổng thống", "Tổng thống Ruan", "calque", "row 9")
    assert not TemplateSet([MOVE], STATS).alias_matches(text, [row])


def test_saved_templates_round_trip_and_bad_files_are_refused(tmp_path):
    ts = TemplateSet([dataclasses.replace(MOVE, exclude=("Tân",))], STATS)
    p = ts.save(tmp_path / "templates.json")
    back = load_templates(str(p))
    assert back.templates == ts.templates and back.name_stats == STATS
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"templates": [{"source": ["Tổng", "thống"],
                                              "target": "{NAME1}"}]}), encoding="utf-8")
    with pytest.raises(ModelError, match="no slot"):
        load_templates(str(bad))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="broken.json"):
        load_templates(str(tmp_path / "broken.json"))


def test_the_pipeline_flags_and_repairs_with_a_model_directory(tmp_path, settings, aliases):
    from repair.pipeline import Pipeline
    from repair.text import Segment

    model = tmp_path / "model"
    model.mkdir()
    TemplateSet([MOVE], STATS).save(model / "templates.json")
    s = dataclasses.replace(
        settings, detect=dataclasses.replace(settings.detect, model=None),
        rewrite=dataclasses.replace(settings.rewrite, model=None))
    pipe = Pipeline.from_settings(s, aliases)
    files = (str(model / "templates.json"),)  # the model directory's, without its weights
    pipe.settings = dataclasses.replace(
        pipe.settings, detect=dataclasses.replace(pipe.settings.detect, templates=files),
        rewrite=dataclasses.replace(pipe.settings.rewrite, templates=files))
    texts = ["Joe Biden Tổng thống phát biểu.", "Tổng thống Joe Biden phát biểu."]
    segs = [Segment(f"s{i}", f"s{i}", t, 0, len(t), 0) for i, t in enumerate(texts)]
    wrong, right = pipe.process(segs)
    assert wrong.detection.flagged and wrong.text == "Tổng thống Joe Biden phát biểu."
    assert wrong.source == "template"
    rec = wrong.to_record()
    assert rec["replacements"][0]["type"] == "template"
    assert "6 of 6 reviewed sentences" in rec["replacements"][0]["source"]
    assert any(sp["category"] == "learned" and "evidence" in sp for sp in rec["spans"])
    assert right.text == texts[1] and not right.changed


def test_with_model_directory_brings_the_templates(tmp_path, settings):
    from repair.pipeline import with_model_directory

    model = tmp_path / "m"
    model.mkdir()
    TemplateSet([MOVE], STATS).save(model / "templates.json")
    s = with_model_directory(dataclasses.replace(
        settings, rewrite=dataclasses.replace(settings.rewrite, model=str(model))))
    assert s.detect.templates == s.rewrite.templates == (str(model / "templates.json"),)
    assert with_model_directory(s) == s  # once


@pytest.mark.parametrize("text, right", [
    ("Về phần mình, Tổng thống Indonesia J.", "Tổng thống Indonesia J"),
    ("Tổng thống Joe Biden Tổng thống", "Tổng thống Joe Biden"),
    ("Joe Biden Tổng thống nói.", None),  # the machine side is not the reviewers' side
    ("Ông nói với tổng thống Biden.", None),
])
def test_the_reviewers_side_is_known_right(text, right):
    """The learned layer does not flag words inside the reviewers' side of an applied
    template (repair.detect.model)."""
    got = TemplateSet([MOVE], STATS).correct_ranges(text)
    assert [text[a:b] for a, b in got] == ([right] if right else [])
    unapplied = TemplateSet([dataclasses.replace(MOVE, apply=False)], STATS)
    assert not unapplied.correct_ranges(text)

"""Each edit kind through the whole loop on a tiny model, through the command line only
(scripts/learning_experiment.py): run --queue-all, review next/edit, finetune, run --rewriter
NEW. Detection and learned suggestions do not depend on the tiny rewriter's quality, so they
are checked exactly; the rewriter's figures only for their range."""

import importlib.util
import json

import pytest

from .conftest import ROOT, SHARED

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def experiment():
    if not (SHARED / "corpus" / "train.jsonl.gz").exists():
        pytest.skip("shared corpus not available")
    spec = importlib.util.spec_from_file_location("learning_experiment",
                                                  ROOT / "scripts" / "learning_experiment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(experiment, kind, tmp_path, tiny_rewriter, tiny_corpus, monkeypatch, n_pool=8):
    monkeypatch.setenv("VI_REPAIR_REGISTRY", str(tmp_path / "registry.json"))
    cfg = tmp_path / "ft.yaml"
    cfg.write_text(f"finetune:\n  epochs: 1\n  batch_size: 8\n  replay_sentences: 40\n"
                   f"  corpus: {tiny_corpus}\n  threads: 1\n  heldout_splits: []\n"
                   f"  calibrate_spans: 20\n", encoding="utf-8")
    return experiment.experiment(kind, tiny_rewriter, tmp_path / kind, n_pool=n_pool, n_held=6,
                                 n_clean=5, n_filler=2, config=cfg)


@pytest.mark.slow
def test_phrase_rewrite_sharing_a_word_is_learned_whole_with_its_suggestion(
        experiment, tmp_path, tiny_rewriter, tiny_corpus, monkeypatch):
    rep = _run(experiment, "phrase", tmp_path, tiny_rewriter, tiny_corpus, monkeypatch)
    assert rep["reviewed"]["edit"] == 8 and rep["reviewed"]["unflagged_edited"] >= 1
    model = tmp_path / "phrase" / "model"
    rows = (model / "patterns.tsv").read_text(encoding="utf-8")
    # one phrase edit, not fragments: the whole phrase and its whole fix, agreed by 8 of 8
    assert "Ngoại vụ Mỹ quốc\tBộ Ngoại giao Mỹ\treplaced in 8 of 8" in rows
    base, new = rep["models"]["base"], rep["models"]["fine-tuned"]
    assert base["held-out fixed exactly"][0] == 0
    assert new["held-out fixed exactly"] == [6, 6]  # the suggestion, applied like a calque
    assert new["correct construction unchanged"] == [6, 6]
    out = [json.loads(x) for x in (tmp_path / "phrase" / "held.fine-tuned.jsonl")
           .read_text(encoding="utf-8").splitlines()]
    ev = [r for rec in out for r in rec.get("replacements", [])]
    assert ev and all(r["type"] == "calque" and "replaced in 8 of 8" in r["source"] for r in ev)


@pytest.mark.slow
def test_word_order_is_detected_on_names_no_reviewer_saw(
        experiment, tmp_path, tiny_rewriter, tiny_corpus, monkeypatch):
    rep = _run(experiment, "order", tmp_path, tiny_rewriter, tiny_corpus, monkeypatch, 12)
    assert rep["reviewed"]["edit"] == 12 and rep["reviewed"]["unflagged_edited"] >= 1
    model = tmp_path / "order" / "model"
    layer = json.loads((model / "detector_layer" / "config.json").read_text(encoding="utf-8"))
    assert layer["parent"] == str(tiny_rewriter) and layer["queue_digest"]
    assert layer["edited_sentences_caught"] >= 0.8 * layer["edited_sentences"]
    # held-out names share no word with reviewed ones; the learned layer marks the moved block
    held = [json.loads(x) for x in (tmp_path / "order" / "held.fine-tuned.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    marked = [r for r in held if any(s["category"] == "learned" and "Tổng thống" in s["text"]
                                     for s in r["spans"])]
    assert len(marked) >= 0.8 * len(held)
    base = [json.loads(x) for x in (tmp_path / "order" / "held.base.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    assert not any(s["category"] == "learned" for r in base for s in r["spans"])
    assert all(0 <= v[0] <= v[1] for m in rep["models"].values() for v in m.values())
    # the moved block is learned as a template over a name slot, agreed by every reviewer ...
    rows = json.loads((model / "templates.json").read_text(encoding="utf-8"))["templates"]
    (t,) = [r for r in rows if r["apply"]]
    assert t["source"] == ["{NAME1}", "Tổng", "thống"] and t["target"] == "Tổng thống {NAME1}"
    assert t["agreed"] == t["seen"] == 12 and rep["templates"] == [
        "{NAME1} Tổng thống -> Tổng thống {NAME1}"]
    # ... and applied deterministically to the unseen names, its counts as evidence (one
    # held-out sentence is the corpus's "Tổng thống Pháp F.Hollande": "thống.Hollande" is
    # one token, so the literal "thống" is not there)
    applied = [r for r in held if r["proposal_source"] == "template"]
    assert len(applied) >= 5
    for r in applied:
        (ev,) = [x for x in r["replacements"] if x["type"] == "template"]
        assert "12 of 12 reviewed sentences" in ev["source"]
    new = rep["models"]["fine-tuned"]
    assert new["held-out fixed exactly"][0] >= 5 and new["correct construction unchanged"] == [
        6, 6]


@pytest.mark.slow
def test_one_word_substitution(experiment, tmp_path, tiny_rewriter, tiny_corpus, monkeypatch):
    rep = _run(experiment, "word", tmp_path, tiny_rewriter, tiny_corpus, monkeypatch)
    assert rep["reviewed"]["edit"] == 8
    rows = (tmp_path / "word" / "model" / "patterns.tsv").read_text(encoding="utf-8")
    assert "điện não" in rows.split("\n", 2)[2]
    new = rep["models"]["fine-tuned"]
    assert new["held-out flagged"] == [6, 6]

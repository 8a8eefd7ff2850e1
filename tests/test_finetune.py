"""Fine-tuning on accepted edits: data, the whole loop on a tiny model, the registry."""

import json

import pytest

from repair.aliases import load_alias_tables
from repair.train.finetune import edit_dataset, edit_examples

from .conftest import ROOT, SHARED

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def table():
    return load_alias_tables([ROOT / "configs/aliases/seeds.tsv"])


def test_edit_examples_use_the_inference_windows(table):
    src = "Thủ tướng Ruan Chunfu gặp cuộc gọi lịch sự với Itsunori Onodera hôm nay."
    tgt = "Thủ tướng Nguyễn Xuân Phúc chào xã giao Itsunori Onodera hôm nay."
    (rep, wide), (keep,) = edit_examples([src], [tgt], ["calque"], table, context_words=2)
    assert rep.source == "<c_calque> tướng <ent0> <sp> gặp cuộc gọi lịch sự với </sp> <ent1> hôm"
    assert rep.target == "chào xã giao" and rep.kind == "repair"
    # the same change with its span grown by a word or two, as a detector may mark it
    assert "chào xã giao" in wide.target and wide.target != rep.target
    assert keep.kind == "keep" and keep.target in src
    # a reviewer who dropped an entity: the texts are used as they are, no placeholders
    (rep2,), _ = edit_examples([src], ["Thủ tướng chào xã giao hôm nay."], ["unk"], table, 1,
                               widen=0)
    assert "<ent" not in rep2.source and "Ruan Chunfu" in rep2.source


@pytest.mark.parametrize(
    "src, tgt, expected",
    [
        ("a b c d e", "a b X d e", [(4, 5, "X")]),
        ("a b c d e", "a b c d e", []),
        ("a b c d e", "Y b c d Z", [(0, 1, "Y"), (8, 9, "Z")]),
        ("a b b c", "a b c", [(2, 5, "b")]),  # a deletion: the word before absorbs it
        ("a b c", "a b X c", [(2, 3, "b X")]),  # an insertion takes the word before it
        ("a b c", "X a b c", [(0, 1, "X a")]),  # ... or after, at the start
    ],
)
def test_changed_regions(src, tgt, expected):
    from repair.train.patterns import changed_regions

    assert changed_regions(src, tgt) == expected


def test_edit_dataset_splits_by_document():
    from repair.review.export import split_of

    rows = [{"id": i, "doc_id": f"doc{i % 40}", "machine_text": f"a {i}", "proposal": f"b {i}",
             "final_text": f"c {i}", "reviewer": "an", "model": "m"} for i in range(200)]
    rows.append({**rows[0], "final_text": rows[0]["machine_text"]})  # accepted unchanged
    ds = edit_dataset(rows, ("test",))
    assert len(ds["train"]) + len(ds["heldout"]) == 201
    assert sum(ds["train"]["changed"]) + sum(ds["heldout"]["changed"]) == 200
    held_docs = set(ds["heldout"]["doc_id"])
    assert held_docs and held_docs.isdisjoint(ds["train"]["doc_id"])
    assert all(split_of(d) == "test" for d in held_docs)


@pytest.mark.slow
def test_whole_loop_on_a_tiny_model(tmp_path, tiny_rewriter, settings, aliases,
                                    monkeypatch):
    """Simulated reviewers edit through the real queue; the tiny model is fine-tuned on the
    accepted edits and measured before and after; `repair finetune` registers the result."""
    if not (SHARED / "corpus" / "train.jsonl.gz").exists():
        pytest.skip("shared corpus not available")
    from repair.train.finetune import FinetuneSettings
    from repair.train.finetune_demo import DemoSettings, run_demo

    corpus = str(SHARED / "corpus" / "train.jsonl.gz")
    ds = DemoSettings(n_edits=6, n_heldout=3, n_clean=3, corpus=corpus,
                      clean_corpus=str(SHARED / "corpus" / "dev.jsonl.gz"))
    ft = FinetuneSettings(epochs=2, batch_size=4, replay_sentences=40, corpus=corpus,
                          threads=1, calibrate_spans=20, name_slots=0)
    rep = run_demo(tiny_rewriter, tmp_path / "demo", ds, ft, settings, aliases)
    assert rep.queued == 6 and rep.finetune.edits_train == 6
    # each edit gives its span, a widened copy and a keep span; twice as many replay examples
    n = rep.finetune.examples_train
    assert 12 <= n <= 18 and rep.finetune.replay_pairs == 2 * 2 * n
    assert any("quốc gia" in p for p in rep.finetune.patterns)  # learned for detection
    assert "quốc gia" in (tmp_path / "demo" / "model" / "patterns.tsv").read_text()
    assert rep.finetune.steps == 2 * -(-3 * n // 4)  # (edits + replay) / batch 4, 2 epochs
    assert set(rep.fix_rate) == set(rep.pipeline_fix_rate) == {"base", "fine-tuned"}
    assert all(0.0 <= v <= 1.0 for d in (rep.fix_rate, rep.no_harm, rep.pipeline_fix_rate,
                                         rep.pipeline_no_harm) for v in d.values())
    model = tmp_path / "demo" / "model"
    card = (model / "README.md").read_text()
    assert str(tiny_rewriter) in card and "| measure | parent | this model |" in card
    info = json.loads((model / "finetune.json").read_text())
    assert info["parent"] == str(tiny_rewriter) and info["edits_train"] == 6
    assert (model / "finetune_data" / "dataset_dict.json").exists()

    # the same queue through the CLI, registered in a registry of its own
    from .conftest import run_cli

    registry = tmp_path / "registry.json"
    monkeypatch.setenv("VI_REPAIR_REGISTRY", str(registry))
    cfg = tmp_path / "ft.yaml"
    cfg.write_text(f"finetune:\n  epochs: 1\n  batch_size: 4\n  replay_sentences: 40\n"
                   f"  corpus: {corpus}\n  threads: 1\n  heldout_splits: []\n"
                   f"  calibrate_spans: 20\n")
    out = tmp_path / "cli-model"
    code = run_cli("finetune", "--queue", tmp_path / "demo" / "queue.db", "--base", tiny_rewriter,
                   "--out", out, "--config", cfg)
    assert code == 0 and (out / "model.safetensors").exists()
    entry = json.loads(registry.read_text())["models"]["cli-model"]
    assert entry["kind"] == "rewriter" and entry["parent"].endswith(tiny_rewriter.name)
    assert run_cli("models", "list") == 0


def test_finetune_refuses_an_empty_queue(tmp_path, tiny_rewriter, table):
    from repair.errors import InputError
    from repair.train.finetune import FinetuneSettings, finetune

    with pytest.raises(InputError, match="no accepted or edited items"):
        finetune([], tiny_rewriter, tmp_path / "m", FinetuneSettings(), table)

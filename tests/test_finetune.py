"""Fine-tuning on accepted edits: data, the whole loop on a tiny model, the registry."""

import json

import pytest

from repair.aliases import load_alias_tables
from repair.train.finetune import edit_dataset, edit_pairs

from .conftest import ROOT, SHARED
from .test_rewrite import tiny_dir  # noqa: F401  (fixture)

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def table():
    return load_alias_tables([ROOT / "configs/aliases/seeds.tsv"])


def test_edit_pairs_use_the_inference_placeholders(table):
    src = "Thủ tướng Ruan Chunfu gặp cuộc gọi lịch sự với Itsunori Onodera."
    tgt = "Thủ tướng Nguyễn Xuân Phúc chào xã giao Itsunori Onodera."
    ((s, t),) = edit_pairs([src], [tgt], table)
    assert s == "Thủ tướng <ent0> gặp cuộc gọi lịch sự với <ent1>."
    assert t == "Thủ tướng <ent0> chào xã giao <ent1>."
    # a reviewer who dropped an entity: the pair is kept as it is
    ((s2, t2),) = edit_pairs([src], ["Thủ tướng chào xã giao."], table)
    assert (s2, t2) == (src, "Thủ tướng chào xã giao.")


@pytest.mark.parametrize(
    "src, tgt, words, expected",
    [
        ("a b c d e f g h i j", "a b c d X f g h i j", 2, [("c d e f g", "c d X f g")]),
        ("a b c d e f g h i j", "a b c d e f g h i j", 2, []),
        ("a b c d e f g h i j", "Y b c d e f g h i Z", 1,
         [("a b", "Y b"), ("i j", "i Z")]),
        ("a b c", "a X c", 6, []),  # the window is the whole sentence: no extra pair
    ],
)
def test_window_pairs(src, tgt, words, expected):
    from repair.train.finetune import window_pairs

    assert window_pairs(src, tgt, words) == expected


def test_edit_dataset_splits_by_document():
    from repair.export import split_of

    rows = [{"id": i, "doc_id": f"doc{i % 40}", "machine_text": f"a {i}", "proposal": f"b {i}",
             "final_text": f"c {i}", "reviewer": "an", "model": "m"} for i in range(200)]
    rows.append({**rows[0], "final_text": rows[0]["machine_text"]})  # no change: not an edit
    ds = edit_dataset(rows, ("test",))
    assert len(ds["train"]) + len(ds["heldout"]) == 200
    held_docs = set(ds["heldout"]["doc_id"])
    assert held_docs and held_docs.isdisjoint(ds["train"]["doc_id"])
    assert all(split_of(d) == "test" for d in held_docs)


@pytest.mark.slow
def test_whole_loop_on_a_tiny_model(tmp_path, tiny_dir, settings, aliases,  # noqa: F811
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
                          threads=1, max_len=48)
    rep = run_demo(tiny_dir, tmp_path / "demo", ds, ft, settings, aliases)
    assert rep.queued == 6 and rep.finetune.edits_train == 6
    per_epoch = rep.finetune.replay_pairs // 2  # edit pairs (sentences + windows) per epoch
    assert per_epoch >= 6  # each of the 6 edits gives its sentence, most also a window
    assert rep.finetune.steps == 2 * -(-2 * per_epoch // 4)  # (edits + replay) / batch 4
    assert set(rep.fix_rate) == set(rep.pipeline_fix_rate) == {"base", "fine-tuned"}
    assert all(0.0 <= v <= 1.0 for d in (rep.fix_rate, rep.no_harm, rep.pipeline_fix_rate,
                                         rep.pipeline_no_harm) for v in d.values())
    model = tmp_path / "demo" / "model"
    card = (model / "README.md").read_text()
    assert str(tiny_dir) in card and "| measure | parent | this model |" in card
    info = json.loads((model / "finetune.json").read_text())
    assert info["parent"] == str(tiny_dir) and info["edits_train"] == 6
    assert (model / "finetune_data" / "dataset_dict.json").exists()

    # the same queue through the CLI, registered in a registry of its own
    from .test_cli import run_cli

    registry = tmp_path / "registry.json"
    monkeypatch.setenv("VI_REPAIR_REGISTRY", str(registry))
    cfg = tmp_path / "ft.yaml"
    cfg.write_text(f"finetune:\n  epochs: 1\n  batch_size: 4\n  replay_sentences: 40\n"
                   f"  corpus: {corpus}\n  threads: 1\n  heldout_splits: []\n")
    out = tmp_path / "cli-model"
    code = run_cli("finetune", "--queue", tmp_path / "demo" / "queue.db", "--base", tiny_dir,
                   "--out", out, "--config", cfg)
    assert code == 0 and (out / "model.safetensors").exists()
    entry = json.loads(registry.read_text())["models"]["cli-model"]
    assert entry["kind"] == "rewriter" and entry["parent"].endswith(tiny_dir.name)
    assert run_cli("models", "list") == 0


def test_finetune_refuses_an_empty_queue(tmp_path, tiny_dir, table):  # noqa: F811
    from repair.errors import InputError
    from repair.train.finetune import FinetuneSettings, finetune

    with pytest.raises(InputError, match="no accepted or edited items"):
        finetune([], tiny_dir, tmp_path / "m", FinetuneSettings(), table)

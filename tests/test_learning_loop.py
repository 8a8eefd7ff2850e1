"""Learning from reviewers through the command line only: run with --queue-all, review next /
edit / accept, finetune, then run --rewriter NEW, which flags the learned phrase on unseen text.
A tiny model in a fixture; one of the edits is to a sentence the detector did not flag."""

import gzip
import json

import pytest

from .conftest import SHARED, read_jsonl, run_cli

torch = pytest.importorskip("torch")

CORRECT, CALQUE = "Chủ tịch nước", "Chủ tịch quốc gia"


@pytest.fixture(scope="module")
def pattern_sentences():
    path = SHARED / "corpus" / "train.jsonl.gz"
    if not path.exists():
        pytest.skip("shared corpus not available")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            if CORRECT in text and len(text.split()) <= 25:
                out.append(text)
                if len(out) == 10:
                    return out
    pytest.skip("not enough sentences with the pattern")


def _article(path, sentences):
    path.write_text(" ".join(sentences) + "\n", encoding="utf-8")
    return path


def test_reviewers_teach_a_calque_the_detector_did_not_know(
        tmp_path, tiny_rewriter, tiny_corpus, pattern_sentences, capsys, monkeypatch):
    monkeypatch.setenv("VI_REPAIR_REGISTRY", str(tmp_path / "registry.json"))
    docs = tmp_path / "docs"
    docs.mkdir()
    clean_of = {}
    for i, s in enumerate(pattern_sentences[:7]):
        calqued = s.replace(CORRECT, CALQUE)
        clean_of[calqued] = s
        _article(docs / f"a{i}.txt", [calqued, "Trời hôm nay đẹp."])
    queue = tmp_path / "q.db"
    # 1. every segment is queued, flagged or not
    assert run_cli("run", docs, "--out", tmp_path / "o.jsonl", "--queue", queue, "--queue-all",
                   "--rewriter", tiny_rewriter) == 0
    recs = read_jsonl(tmp_path / "o.jsonl")
    assert len(recs) == 14
    unflagged_pattern = [r for r in recs if r["text"] in clean_of and not r["flagged"]]
    assert unflagged_pattern, "the detector does not know the calque yet"
    capsys.readouterr()
    # 2. reviewers work through the queue with the CLI
    edited_unflagged = 0
    while True:
        assert run_cli("review", "next", "--queue", queue, "--reviewer", "an") == 0
        out = capsys.readouterr().out.strip()
        if not out.startswith("{"):
            break
        item = json.loads(out)
        if item["text"] in clean_of:
            assert run_cli("review", "edit", item["id"], "--queue", queue, "--reviewer", "an",
                           "--text", clean_of[item["text"]], "--force") == 0
            edited_unflagged += item["text"] in {r["text"] for r in unflagged_pattern}
        else:
            assert run_cli("review", "accept", item["id"], "--queue", queue, "--reviewer", "an",
                           "--force") == 0
        capsys.readouterr()
    assert edited_unflagged >= 1
    # 3. fine-tune on what they decided
    cfg = tmp_path / "ft.yaml"
    cfg.write_text(f"finetune:\n  epochs: 1\n  batch_size: 8\n  replay_sentences: 40\n"
                   f"  corpus: {tiny_corpus}\n  threads: 1\n  heldout_splits: []\n"
                   f"  calibrate_spans: 20\n", encoding="utf-8")
    new = tmp_path / "new-model"
    assert run_cli("finetune", "--queue", queue, "--base", tiny_rewriter, "--out", new,
                   "--config", cfg) == 0
    patterns = (new / "patterns.tsv").read_text(encoding="utf-8")
    assert "quốc gia" in patterns and "replaced in 7 of 7" in patterns
    info = json.loads((new / "finetune.json").read_text(encoding="utf-8"))
    assert info["edits_train"] == 7 and info["queue_digest"]
    # 4. the new directory flags the phrase on unseen text, with no config edited
    held = _article(tmp_path / "held.txt", [s.replace(CORRECT, CALQUE)
                                            for s in pattern_sentences[7:]])
    assert run_cli("run", held, "--out", tmp_path / "h.jsonl", "--rewriter", new) == 0
    for r in read_jsonl(tmp_path / "h.jsonl"):
        assert r["flagged"] and any(s["category"] == "calque" and "quốc gia" in s["text"]
                                    for s in r["spans"])
        assert r["model"].startswith("new-model")
    assert run_cli("run", held, "--out", tmp_path / "b.jsonl", "--rewriter", tiny_rewriter) == 0
    assert not any(s["category"] == "calque" and "quốc gia" in s["text"]
                   for r in read_jsonl(tmp_path / "b.jsonl") for s in r["spans"])
    # 5. lineage
    entry = json.loads((tmp_path / "registry.json").read_text())["models"]["new-model"]
    assert entry["parent"].endswith(tiny_rewriter.name)


def test_queue_all_needs_a_queue(tmp_path):
    from .conftest import SAMPLES

    code = run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", tmp_path / "o.jsonl",
                   "--queue-all")
    assert code == 2 and not (tmp_path / "o.jsonl").exists()


def test_patterns_are_the_fewest_words_that_are_rare_in_clean_text():
    from repair.train.patterns import PatternSettings, mine_patterns

    machine = ["Ông là Chủ tịch quốc gia Trần Đại Quang.", "Chủ tịch quốc gia Trần Đại Quang đến.",
               "Hôm nay Chủ tịch quốc gia Trần Đại Quang nói.",
               "Chủ tịch quốc gia Đặng Thị Ngọc Thịnh và Chủ tịch quốc gia Lào.",
               "Hai quốc gia ký kết."]
    final = [m.replace(CALQUE, CORRECT) for m in machine]
    clean = ["Hai quốc gia láng giềng.", "Quốc gia này có quốc gia khác."] * 3
    (p,) = mine_patterns(machine, final, clean, PatternSettings(max_per_million=0.0))
    # "quốc gia" is ordinary Vietnamese; one word more is rare: learned, replaced in every
    # reviewed sentence that has it (counted once per sentence)
    assert (p.phrase, p.replacement, p.replaced, p.seen) == ("tịch quốc gia", "tịch nước", 4, 4)
    # five edits (one sentence has two), all the same: the reviewers agree, a suggestion
    assert (p.agreed, p.suggestion) == (5, "tịch nước")
    assert mine_patterns(machine[:2], final[:2], clean, PatternSettings(max_per_million=0.0)) == []


def test_learned_suggestions_need_agreeing_reviewers(tmp_path):
    from repair.train.patterns import PatternSettings, mine_patterns, read_patterns, write_patterns

    machine = [f"Hôm {i} Ngoại vụ Mỹ quốc cho biết." for i in range(10)]
    agree = [m.replace("Ngoại vụ Mỹ quốc", "Bộ Ngoại giao Mỹ") for m in machine]
    ps = PatternSettings(max_per_million=0.0)
    (p,) = mine_patterns(machine, agree, ["Bộ Ngoại giao Mỹ cho biết."], ps)
    # a phrase rewrite that keeps one of its words is one edit: phrase and fix whole
    assert (p.phrase, p.replacement, p.suggestion) == ("Ngoại vụ Mỹ quốc", "Bộ Ngoại giao Mỹ",
                                                        "Bộ Ngoại giao Mỹ")
    # 7 of 10 write one fix, 3 another: no agreement, the model decides
    split = agree[:7] + [m.replace("Ngoại vụ Mỹ quốc", "Bộ Ngoại giao Hoa Kỳ") for m in machine[7:]]
    (q,) = mine_patterns(machine, split, [], ps)
    assert (q.phrase, q.suggestion, q.agreed, q.replaced) == ("Ngoại vụ Mỹ quốc", "", 7, 10)
    f = write_patterns([p, q], tmp_path / "patterns.tsv")
    assert read_patterns(f)[0][:2] == ("Ngoại vụ Mỹ quốc", "Bộ Ngoại giao Mỹ")
    assert "10 of 10 reviewed sentences, 10 times by" in f.read_text(encoding="utf-8")


def test_name_slots_swap_the_name_an_edit_carries_over(settings):
    from repair.detect.model import load_detector
    from repair.train.learned import name_slot_examples, name_test
    from repair.train.rewriter_data import SpanExample

    is_name = name_test(load_detector(settings.detect.model).stats)
    assert is_name("Trump") and not is_name("Tổng") and not is_name("thống")
    e = SpanExample("<c_unk> hôm qua <sp> Donald Trump Tổng thống </sp> nói",
                    "Tổng thống Donald Trump", "edit", "repair")
    (x,) = name_slot_examples([e], ["Hôm nay ông Emmanuel Macron đến."], is_name, 1)
    assert (x.source, x.target) == ("<c_unk> hôm qua <sp> Emmanuel Macron Tổng thống </sp> nói",
                                    "Tổng thống Emmanuel Macron")
    # a fix that carries no name over gives no copies
    e2 = SpanExample("<c_unk> <sp> điện não </sp> mới", "máy tính", "edit", "repair")
    assert name_slot_examples([e2], ["Hôm nay ông Emmanuel Macron đến."], is_name, 1) == []

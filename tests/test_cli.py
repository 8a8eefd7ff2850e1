"""The command line end to end, on the sample articles."""

import sqlite3

import pytest

from .conftest import SAMPLES, SHARED, read_jsonl, run_cli


def test_run_on_sample_articles(tmp_path):
    out, queue = tmp_path / "out.jsonl", tmp_path / "q.db"
    assert run_cli("run", SAMPLES, "--out", out, "--queue", queue) == 0
    recs = read_jsonl(out)
    assert len(recs) == 87
    by_text = {r["text"]: r for r in recs}
    fixed = next(r for t, r in by_text.items() if "Onodera Five Mã" in t)
    assert fixed["flagged"] and "Itsunori Onodera" in fixed["proposal"]
    assert "Onodera Five Mã" not in fixed["proposal"]
    assert any(s["category"] == "alias" and s["text"] == "Onodera Five Mã" for s in fixed["spans"])
    for r in recs:
        assert set(r) >= {"id", "doc_id", "text", "score", "flagged", "spans", "proposal"}
        assert r["id"].startswith(r["doc_id"] + "#")
        assert 0.0 <= r["score"] <= 1.0
        if not r["flagged"]:
            assert r["proposal"] == r["text"]
    assert (tmp_path / "out.jsonl.config.yaml").exists()

    db = sqlite3.connect(queue)
    n = db.execute("SELECT COUNT(*) FROM items WHERE status='pending'").fetchone()[0]
    assert n == sum(r["proposal"] != r["text"] for r in recs) > 0
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    # Re-running the same job does not duplicate queue items.
    assert run_cli("run", SAMPLES, "--out", out, "--queue", queue) == 0
    db = sqlite3.connect(queue)
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == n


def test_detect_sentence_unit_keeps_ids_and_fields(tmp_path, write):
    src = write(
        "in.jsonl",
        [
            {"id": "a", "text": "Ông Onodera Watanabe phát biểu.", "src": "x"},
            {"id": "b", "text": "Hai bên nhất trí tăng cường hợp tác.", "src": "y"},
        ],
    )
    out = tmp_path / "o.jsonl"
    assert run_cli("detect", src, "--out", out, "--unit", "sentence") == 0
    recs = read_jsonl(out)
    assert [(r["id"], r["doc_id"], r["src"], r["flagged"]) for r in recs] == [
        ("a", "a", "x", True),
        ("b", "b", "y", False),
    ]
    assert "proposal" not in recs[0]


def test_extra_alias_table(tmp_path, write):
    src = write("in.txt", "Ông Lý Bá Đạo gặp Zhang Sanfeng hôm qua.")
    table = write(
        "extra.tsv", "canonical\ttype\tvariants\nTrương Tam Phong\tperson\tZhang Sanfeng\n"
    )
    out = tmp_path / "o.jsonl"
    assert run_cli("run", src, "--out", out, "--aliases", table) == 0
    (rec,) = read_jsonl(out)
    assert rec["proposal"] == "Ông Lý Bá Đạo gặp Trương Tam Phong hôm qua."


@pytest.mark.parametrize(
    "name, content, extra",
    [
        ("bad.jsonl", '{"id": "a", "text": "Câu."}\n{"id": "b", "text": \n', []),
        ("notext.jsonl", '{"id": "a", "text": "Câu."}\n{"id": "b"}\n', []),
        ("latin.txt", "Cau mot hoà.".encode("latin-1"), []),
    ],
)
def test_bad_input_fails_cleanly(tmp_path, write, capsys, name, content, extra):
    src = write(name, content)
    out = tmp_path / "o.jsonl"
    assert run_cli("run", src, "--out", out, *extra) == 2
    err = capsys.readouterr().err
    assert str(src) in err and ":" in err
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_bad_alias_table_fails_cleanly(tmp_path, write, capsys):
    table = write("t.tsv", "canonical\ttype\tvariants\n\tperson\tX\n")
    out = tmp_path / "o.jsonl"
    assert run_cli("run", SAMPLES, "--out", out, "--aliases", table) == 2
    assert f"{table}:2:" in capsys.readouterr().err
    assert not out.exists()


def test_eval_prints_figures(write, capsys):
    gold = write(
        "gold.jsonl",
        [
            {
                "id": "1",
                "text": "Ông Onodera Five Mã phát biểu.",
                "label": "artifact",
                "must_have": ["Itsunori Onodera"],
                "must_not_have": ["Onodera Five Mã"],
            },
            {"id": "2", "text": "Hai bên nhất trí tăng cường hợp tác.", "label": "clean"},
        ],
    )
    assert run_cli("eval", "--gold", gold) == 0
    out = capsys.readouterr().out
    assert "ROC-AUC" in out and "1.0000" in out and "signature:" in out


def test_eval_on_seed_dev_meets_spine_targets(settings, aliases):
    if not (SHARED / "seed_dev.jsonl").exists():
        pytest.skip("shared data not available")
    from repair.eval.evaluate import evaluate
    from repair.pipeline import Pipeline

    rep = evaluate(SHARED / "seed_dev.jsonl", Pipeline.from_settings(settings, aliases),
                   settings.eval)
    assert len(rep.missed) <= 2 and len(rep.false_positives) <= 3
    assert rep.alias_must_have[0] == rep.alias_must_have[1]
    assert rep.alias_must_not_have[0] == rep.alias_must_not_have[1]
    assert rep.clean_unchanged[0] == rep.clean_unchanged[1] == 57

"""The reviewer's command line: review next/show/accept/reject/edit/skip/undo/stats, export,
apply and aliases suggest, end to end on the sample articles."""

import json

from .conftest import SAMPLES, run_cli


def cli(capsys, *args):
    code = run_cli(*args)
    out = capsys.readouterr()
    return code, out.out, " ".join(out.err.split())  # rich wraps long messages


def test_scripted_review_round_trip(capsys, tmp_path, queue_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "200")
    q = ["--queue", queue_path]
    code, out, _ = cli(capsys, "review", "next", *q, "--reviewer", "an")
    assert code == 0
    item = json.loads(out)
    assert {"id", "text", "proposal", "context_before", "spans", "qa", "doc_path", "start"} <= set(
        item
    )
    # the other reviewer gets a different item
    _, out_b, _ = cli(capsys, "review", "next", *q, "--reviewer", "binh")
    assert json.loads(out_b)["id"] != item["id"]
    code, _, err = cli(capsys, "review", "accept", item["id"], *q, "--reviewer", "binh")
    assert code == 4 and "being reviewed by an" in err
    code, out, _ = cli(capsys, "review", "accept", item["id"], *q, "--reviewer", "an",
                       "--comment", "good")
    assert code == 0 and json.loads(out)["action"] == "accept"
    code, _, err = cli(capsys, "review", "accept", item["id"], *q, "--reviewer", "an")
    assert code == 4 and "already accepted by an" in err
    code, out, _ = cli(capsys, "review", "undo", *q, "--reviewer", "an")
    assert code == 0 and json.loads(out)["undoes"]
    fixed = item["proposal"].replace("February 17", "ngày 17/2")
    # an edit that loses a number fails the QA gate ...
    code, _, err = cli(capsys, "review", "edit", item["id"], *q, "--reviewer", "an",
                       "--text", fixed.replace("17", "71"))
    assert code == 4 and "numbers lost: 17" in err and "--force" in err
    # ... a good one passes
    code, out, _ = cli(capsys, "review", "edit", item["id"], *q, "--reviewer", "an",
                       "--text", fixed)
    assert code == 0 and json.loads(out)["final_text"] == fixed
    code, out, _ = cli(capsys, "review", "show", item["id"], *q)
    shown = json.loads(out)
    assert shown["status"] == "edited" and [h["action"] for h in shown["history"]] == [
        "accept", "undo", "edit"
    ]
    code, out, _ = cli(capsys, "review", "stats", *q, "--json")
    stats = json.loads(out)
    assert stats["status"]["edited"] == 1 and stats["reviewers"]["an"]["decided"] == 1
    assert stats["reviewers"]["an"]["mean_hter"] > 0
    code, out, _ = cli(capsys, "review", "stats", *q)
    assert code == 0 and "per reviewer" in out and "HTER" in out

    code, _, _ = cli(capsys, "export", *q, "--format", "tmx", "--out", tmp_path / "m.tmx")
    assert code == 0 and "ngày 17/2" in (tmp_path / "m.tmx").read_text(encoding="utf-8")
    code, _, err = cli(capsys, "apply", SAMPLES, *q, "--out", tmp_path / "fixed")
    assert code == 0 and "1 sentences substituted" in err
    doc = (tmp_path / "fixed" / f"{item['doc_id']}.txt").read_text(encoding="utf-8")
    assert fixed in doc
    code, out, _ = cli(capsys, "aliases", "suggest", *q)
    assert code == 0 and out.startswith("canonical\ttype\tvariants")


def test_review_commands_on_a_missing_queue(capsys, tmp_path):
    code, _, err = cli(capsys, "review", "next", "--queue", tmp_path / "no.db", "--reviewer", "an")
    assert code == 4 and "no review queue here" in err
    assert not (tmp_path / "no.db").exists()

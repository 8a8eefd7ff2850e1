"""The rewriter through the command line and the job: `--model DIR`, eval, bench."""

import pytest

from .conftest import SAMPLES, SHARED
from .test_cli import read_jsonl, run_cli
from .test_rewrite import tiny_dir  # noqa: F401  (fixture)

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def test_run_with_a_model_keeps_entity_constraints(tmp_path, tiny_dir, aliases):  # noqa: F811
    from repair.config import load_settings
    from repair.jobs import run_job

    out = tmp_path / "out.jsonl"
    settings = load_settings(None, {"rewrite": {"model": str(tiny_dir), "max_new_tokens": 40},
                                    "queue": {"path": None}})
    summary = run_job([SAMPLES / "003_27299c1e82e8ec36.txt"], out, settings, mode="run")
    recs = read_jsonl(out)
    flagged = [r for r in recs if r["flagged"]]
    assert flagged and any(r["model"].startswith(tiny_dir.name) for r in recs)
    for r in recs:
        if not r["flagged"]:
            assert r["proposal"] == r["text"] and r["proposal_source"] == "unchanged"
            continue
        for m in aliases.find(r["text"]):
            assert m.canonical in r["proposal"]
        assert not aliases.find(r["proposal"])
        assert r["proposal_source"] in ("model", "fallback", "guard", "alias", "unchanged")
        if r["proposal_source"] in ("model", "fallback", "guard"):
            assert r["model"].startswith(tiny_dir.name)
        if r["proposal_source"] in ("fallback", "guard"):
            assert r["check"]
    # a random model's rewrites are caught by the verifier or the guard, and counted
    assert sum(summary.checks.values()) == sum(1 for r in recs if r.get("check"))
    assert sum(summary.checks.values()) > 0


def test_cli_run_model_option(tmp_path, tiny_dir):  # noqa: F811
    out = tmp_path / "o.jsonl"
    assert run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", out, "--model",
                   tiny_dir) == 0
    assert any(r["model"].startswith(tiny_dir.name) for r in read_jsonl(out))


def test_cli_run_bad_model_dir(tmp_path):
    code = run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", tmp_path / "o.jsonl",
                   "--model", tmp_path)
    assert code == 3 and not (tmp_path / "o.jsonl").exists()


@pytest.mark.skipif(not (SHARED / "corpus" / "dev.jsonl.gz").exists(), reason="no shared data")
def test_synthetic_eval_and_chrf(tiny_dir, aliases, write):  # noqa: F811
    from repair.config import load_settings
    from repair.evaluate import evaluate
    from repair.rewrite.heldout import chrf, evaluate_synthetic

    settings = load_settings(None, {"rewrite": {"model": str(tiny_dir), "max_new_tokens": 40}})
    rep = evaluate_synthetic(SHARED / "corpus" / "dev.jsonl.gz", 12, settings, aliases,
                             max_words=12)
    assert rep.n_corrupted + rep.n_clean == 12 and rep.n_corrupted > 0
    assert 0 < rep.chrf_nothing < 100 and rep.chrf_alias == pytest.approx(rep.chrf_nothing)
    assert 0 <= rep.exact_oracle <= 1
    assert sum(rep.sources.values()) == 12
    assert chrf(["a b c"], ["a b c"]) == pytest.approx(100.0)
    gold = write("g.jsonl", [
        {"id": "1", "text": "Duboji đến Hà Nội.", "label": "artifact",
         "gold": "Đỗ Bá Tỵ đến Hà Nội."},
        {"id": "2", "text": "Trời đẹp.", "label": "clean", "reference": "Trời đẹp."},
    ])
    alias_only = load_settings(None, {"eval": {"clean_n": 0}})
    report = evaluate(gold, alias_only, aliases)
    n, proposals, nothing, alias = report.chrf
    assert n == 2 and proposals == pytest.approx(100.0) and alias == pytest.approx(100.0)
    assert nothing < 100


def test_bench_rewrite_reports_all_decoders(tiny_dir):  # noqa: F811
    from repair.bench import bench_rewrite

    rows = bench_rewrite(tiny_dir, ["Hà Nội - June 5", "Ông Duboji nói."] * 4, batch_sizes=(4,),
                         batch1_n=2, num_beams=2)
    assert [(r["decoder"], r["batch"]) for r in rows] == [
        ("greedy", 1), ("fast", 1), ("greedy", 4), ("fast", 4), ("beam 2", 4)]
    assert all(r["sentences_per_s"] > 0 for r in rows)
    assert all(r["same_as_greedy"] == 1.0 for r in rows if r["decoder"] == "fast")
    assert all(r["tokens_per_pass"] >= 1.0 for r in rows if r["decoder"] == "fast")

"""The span rewriter through the command line and the job: `--rewriter DIR`, eval, bench, train."""

import json

import pytest

from .conftest import SAMPLES, SHARED, read_jsonl, run_cli, tiny_train_settings

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def test_run_with_a_model_keeps_entity_constraints(tmp_path, tiny_rewriter, aliases):
    from repair.config import load_settings
    from repair.jobs import run_job

    out = tmp_path / "out.jsonl"
    settings = load_settings(None, {"rewrite": {"model": str(tiny_rewriter), "keep_margin": -50.0},
                                    "queue": {"path": None}})
    summary = run_job([SAMPLES / "003_27299c1e82e8ec36.txt"], out, settings, mode="run")
    recs = read_jsonl(out)
    assert [r for r in recs if r["flagged"]]
    for r in recs:
        if not r["flagged"]:
            assert r["proposal"] == r["text"] and r["proposal_source"] == "unchanged"
            continue
        assert r["model"].startswith(tiny_rewriter.name)
        for m in aliases.find(r["text"]):
            assert m.canonical in r["proposal"]
            # each deterministic repair is in the output with where it comes from
            rec = next(x for x in r["replacements"] if x["start"] <= m.start < x["end"])
            if rec["type"] == "order":  # a rank put before the name takes the alias in (#21)
                assert m.text in rec["text"] and f"{m.text} -> {m.canonical}: {m.source}" \
                    in rec["source"]
            else:
                assert {"text": m.text, "canonical": m.canonical,
                        "source": m.source}.items() <= rec.items()
        assert not aliases.find(r["proposal"])
        if r["proposal_source"] in ("fallback", "guard"):
            assert r["check"]
        for e in r.get("span_repairs", []):
            assert r["text"][e["start"] : e["end"]] == e["text"]
            assert (e["repair"] == e["text"]) == bool(e["check"])
    # with no keep margin a random model's repairs reach the checks, which are counted
    assert any(r.get("span_repairs") for r in recs)
    assert sum(summary.sources.values()) == sum(r["flagged"] for r in recs)


def test_cli_run_rewriter_option(tmp_path, tiny_rewriter):
    out = tmp_path / "o.jsonl"
    assert run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", out, "--rewriter",
                   tiny_rewriter) == 0
    assert any(r["model"].startswith(tiny_rewriter.name) for r in read_jsonl(out))


def test_cli_model_is_a_deprecated_spelling(tmp_path, tiny_rewriter, capsys):
    """--model still works where it used to (the rewriter in run and bench, the detector in
    eval), with a warning naming the option to use."""
    out = tmp_path / "o.jsonl"
    assert run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", out, "--model",
                   tiny_rewriter) == 0
    assert "use --rewriter" in capsys.readouterr().err
    assert any(r["model"].startswith(tiny_rewriter.name) for r in read_jsonl(out))


def test_cli_run_bad_model_dir(tmp_path):
    code = run_cli("run", SAMPLES / "003_27299c1e82e8ec36.txt", "--out", tmp_path / "o.jsonl",
                   "--model", tmp_path)
    assert code == 3 and not (tmp_path / "o.jsonl").exists()


@pytest.mark.skipif(not (SHARED / "corpus" / "dev.jsonl.gz").exists(), reason="no shared data")
def test_synthetic_eval_and_chrf(tiny_rewriter, aliases, write):
    from repair.config import load_settings
    from repair.eval.evaluate import evaluate
    from repair.eval.heldout import evaluate_synthetic
    from repair.metrics import chrf
    from repair.pipeline import Pipeline

    settings = load_settings(None, {"rewrite": {"model": str(tiny_rewriter)}})
    rep = evaluate_synthetic(SHARED / "corpus" / "dev.jsonl.gz", 12,
                             Pipeline.from_settings(settings, aliases), max_words=12)
    assert rep.n_corrupted + rep.n_clean == 12 and rep.n_corrupted > 0
    assert 0 < rep.chrf_nothing < 100 and rep.chrf_alias == pytest.approx(rep.chrf_nothing)
    assert 0 <= rep.spans["keep"] <= 1 and 0 <= rep.spans["exact"] <= 1
    assert sum(t for _, t in rep.spans["by_category"].values()) == 12
    names = [name for name, _ in rep.rows()]
    assert "spans: clean spans the detector marks, kept" in names
    assert chrf(["a b c"], ["a b c"]) == pytest.approx(100.0)
    gold = write("g.jsonl", [
        {"id": "1", "text": "Duboji đến Hà Nội.", "label": "artifact",
         "gold": "Đỗ Bá Tỵ đến Hà Nội."},
        {"id": "2", "text": "Trời đẹp.", "label": "clean", "reference": "Trời đẹp."},
    ])
    alias_only = load_settings(None, {"eval": {"clean_n": 0}})
    report = evaluate(gold, Pipeline.from_settings(alias_only, aliases), alias_only.eval)
    n, proposals, nothing, alias = report.chrf
    assert n == 2 and proposals == pytest.approx(100.0) and alias == pytest.approx(100.0)
    assert nothing < 100


def test_bench_rewrite_and_run(tiny_rewriter, tmp_path):
    from repair.config import load_settings
    from repair.eval.bench import bench_rewrite
    from repair.jobs.bench import bench_run, repeated_articles
    from repair.rewrite.examples import SpanStream

    examples = [SpanStream(["Hai bên nhất trí hợp tác và hợp tác trong khu vực."], []).example(g)
                for g in range(6)]
    rows = bench_rewrite(tiny_rewriter, examples, batch_sizes=(1, 4))
    assert [(r["batch"], r["spans"]) for r in rows] == [(1, 6), (4, 6)]
    assert all(r["spans_per_s"] > 0 for r in rows)
    inputs = repeated_articles(SAMPLES, 200, tmp_path / "mt")
    assert len(inputs) == 2 * 5  # about 200 sentences: the five articles (87) twice
    settings = load_settings(None, {"rewrite": {"model": str(tiny_rewriter)},
                                    "queue": {"path": None}})
    row = bench_run(settings, inputs, tmp_path, "mt")
    assert row["sentences"] == 2 * 87 and row["sentences_per_s"] > 0
    assert 0.2 < row["flagged_share"] < 0.5


def test_bench_synthetic_input_is_held_out_and_corrupted(tiny_corpus, tmp_path):
    import json

    from repair.eval.bench import bench_sentences
    from repair.jobs.bench import synthetic_as_jsonl

    out = synthetic_as_jsonl(tiny_corpus, 30, tmp_path / "s.jsonl")
    texts = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]
    sources = bench_sentences(tiny_corpus, 20_030)[20_000:]
    assert len(texts) == 30
    assert sum(t != s for t, s in zip(texts, sources, strict=True)) >= 25  # each given an artifact


def test_cli_train_rewriter_resume_and_export(tiny_corpus, tmp_path):
    import yaml

    st = tiny_train_settings(tiny_corpus, tmp_path, "cli", eval_n=8)
    cfg = tmp_path / "train.yaml"
    cfg.write_text(yaml.safe_dump({k: getattr(st, k) for k in st.__dataclass_fields__}),
                   encoding="utf-8")
    assert run_cli("train", "rewriter", "--config", cfg, "--calibrate", "40") == 0
    model = tmp_path / "cli" / "model"
    meta = json.loads((model / "rewriter.json").read_text())
    assert meta["keep_margin"] >= 0 and meta["context_words"] == st.context_words
    assert run_cli("train", "rewriter", "--config", cfg, "--export", "--calibrate", "40") == 0
    assert run_cli("train", "rewriter", "--config", cfg, "--resume", "--calibrate", "40") == 0

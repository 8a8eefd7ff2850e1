"""The batch job on Ray Data (a local instance with 2 CPUs): the same records, order and
queue as the local engine."""

import sqlite3

import pytest

from .conftest import SAMPLES, SHARED, run_cli

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _items(db):
    with sqlite3.connect(db) as con:
        return con.execute("SELECT id, segment_id, text, proposal, source FROM items "
                           "ORDER BY id").fetchall()


def test_ray_engine_equals_the_local_engine(tmp_path, local_ray, tiny_rewriter, write):
    inputs = [SAMPLES]
    corpus = SHARED / "corpus" / "dev.jsonl.gz"
    if corpus.exists():  # 300 corpus sentences as one more input file
        import gzip
        import itertools
        import json

        with gzip.open(corpus, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in itertools.islice(fh, 300)]
        inputs.append(write("corpus.jsonl", [{"id": f"c{i}", "text": r["text"]}
                                             for i, r in enumerate(rows)]))
    outs = {}
    for engine in ("local", "ray"):
        out, q = tmp_path / f"{engine}.jsonl", tmp_path / f"{engine}.db"
        assert run_cli("run", *inputs, "--out", out, "--queue", q, "--rewriter", tiny_rewriter,
                       "--engine", engine) == 0
        outs[engine] = (out.read_bytes(), _items(q))
    assert outs["ray"] == outs["local"]
    assert outs["ray"][0].count(b"\n") >= 87 + (300 if len(inputs) > 1 else 0)


def test_ray_engine_reports_bad_input_like_the_local_one(tmp_path, local_ray, write):
    bad = write("bad.jsonl", '{"id": "1", "text": "Trời đẹp."}\n{not json}\n')
    out = tmp_path / "o.jsonl"
    assert run_cli("detect", bad, "--out", out) == 2
    assert run_cli("run", bad, "--out", out, "--engine", "ray") == 2
    assert not out.exists()

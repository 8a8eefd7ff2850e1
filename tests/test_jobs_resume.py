"""Batch jobs: resume after SIGKILL at a random point, and worker processes, both give the
output of one uninterrupted run byte for byte (and the same queue)."""

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, SAMPLES, run_cli

ITEM_COLUMNS = "id, segment_id, doc_id, text, proposal, source, model, status, start, \"end\""


def _items(db):
    with sqlite3.connect(db) as con:
        return con.execute(f"SELECT {ITEM_COLUMNS} FROM items ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def many_docs(tmp_path_factory):
    d = tmp_path_factory.mktemp("docs")
    for k in range(40):
        for f in SAMPLES.glob("*.txt"):
            shutil.copy(f, d / f"{k:03d}_{f.name}")
    return d


def _cmd(docs, out, queue, *extra):
    return [sys.executable, "-c", "from repair.cli import main; main()", "run", str(docs),
            "--out", str(out), "--queue", str(queue), "--batch-segments", "40", *extra]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resume_after_sigkill_equals_an_uninterrupted_run(tmp_path, many_docs, seed):
    ref_out, ref_q = tmp_path / "ref.jsonl", tmp_path / "ref.db"
    subprocess.run(_cmd(many_docs, ref_out, ref_q), check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    out, queue = tmp_path / "o.jsonl", tmp_path / "q.db"
    proc = subprocess.Popen(_cmd(many_docs, out, queue), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    partial = out.with_name(out.name + ".partial.progress")
    deadline = time.time() + 60
    while not partial.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not out.exists():  # killed before the end: the job left what --resume needs
        assert out.with_name(out.name + ".partial").exists() and partial.exists()
    subprocess.run([*_cmd(many_docs, out, queue), "--resume"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    assert out.read_bytes() == ref_out.read_bytes()
    assert _items(queue) == _items(ref_q)
    assert not partial.exists()


def test_resume_refuses_a_partial_output_of_another_job(tmp_path, write):
    doc = write("a.txt", "Ông Duboji đến Hà Nội. Trời đẹp.")
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.partial").write_text("", encoding="utf-8")
    (tmp_path / "o.jsonl.partial.progress").write_text(
        '{"key": "other", "documents": 1, "bytes": 0, "summary": {}}', encoding="utf-8")
    assert run_cli("detect", doc, "--out", out, "--resume") == 2
    assert not out.exists()
    # nothing to resume: a plain run
    os.remove(tmp_path / "o.jsonl.partial.progress")
    assert run_cli("detect", doc, "--out", out, "--resume") == 0 and out.exists()


def test_two_workers_give_the_same_output(tmp_path, many_docs, tiny_rewriter):
    outs = []
    for w in (1, 2):
        out = tmp_path / f"w{w}.jsonl"
        assert run_cli("run", many_docs, "--out", out, "--rewriter", tiny_rewriter, "--workers", w,
                       "--batch-segments", "300") == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 40 * 87

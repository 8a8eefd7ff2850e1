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


@pytest.mark.parametrize("first, method", [("", "fork"), ("import torch; ", "spawn")])
def test_workers_fork_unless_torch_is_loaded(first, method):
    code = (f"{first}import repair.jobs.local as L; ctx, args = L._pool_context(None); "
            "print(ctx.get_start_method(), len(args))")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    # a forked worker inherits the pipeline; a spawned one is given it
    assert res.stdout.split() == [method, "0" if method == "fork" else "1"]


def test_forked_workers_give_the_same_output(tmp_path, many_docs, tiny_rewriter):
    """Without torch in the process (the NumPy rewriter), workers are forked from the loaded
    pipeline; one job of one batch stays in one process."""
    outs = []
    for w in ("1", "2"):
        out, queue = tmp_path / f"w{w}.jsonl", tmp_path / f"q{w}.db"
        subprocess.run([*_cmd(many_docs, out, queue, "--workers", w, "--rewriter",
                              str(tiny_rewriter))], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        outs.append((out.read_bytes(), _items(queue)))
    assert outs[0] == outs[1] and outs[0][0].count(b"\n") == 40 * 87


@pytest.mark.parametrize("given, expected", [(3, 3), (1, 1), (0, len(os.sched_getaffinity(0)))])
def test_worker_count(given, expected):
    from repair.jobs import worker_count

    assert worker_count(given) == expected


def test_a_negative_worker_count_is_refused():
    from repair.errors import ConfigError
    from repair.jobs import worker_count

    with pytest.raises(ConfigError, match="one per core"):
        worker_count(-1)


def test_a_job_of_one_batch_starts_no_worker(tmp_path, write, settings, monkeypatch):
    import concurrent.futures

    from repair.jobs import run_job

    def refuse(*a, **k):
        raise AssertionError("a worker pool was started for one batch")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    src = write("in.jsonl", [{"id": "a", "text": "Trời đẹp."}])
    assert run_job([src], tmp_path / "o.jsonl", settings, workers=2).segments == 1


@pytest.mark.slow
def test_workers_die_with_a_killed_job(tmp_path, many_docs):
    out, queue = tmp_path / "o.jsonl", tmp_path / "q.db"
    proc = subprocess.Popen([*_cmd(many_docs, out, queue, "--workers", "2")], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, children = time.time() + 60, []
    while not children and proc.poll() is None and time.time() < deadline:
        tasks = f"/proc/{proc.pid}/task/{proc.pid}/children"
        children = [int(p) for p in open(tasks).read().split()] if os.path.exists(tasks) else []
        time.sleep(0.01)
    assert children, "the job started no worker"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while any(os.path.exists(f"/proc/{c}") and "Z" not in _state(c) for c in children) \
            and time.time() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{c}") and "Z" not in _state(c) for c in children)


def _state(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"

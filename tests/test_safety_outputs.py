"""Outputs under hostile paths and interruptions: nothing overwritten that is not ours, no
silent exit, no traceback, no rich markup from user text."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, SHARED, run_cli, run_main

RECORDS = [
    {"id": "a", "text": "Ông Ruan Chunfu phát biểu tại Hà Nội."},
    {"id": "b", "text": "Trời hôm nay đẹp."},
]


@pytest.mark.parametrize("command", ["detect", "run"])
def test_out_equal_to_an_input_is_refused(tmp_path, write, capsys, command):
    src = write("in.jsonl", RECORDS)
    before = src.read_bytes()
    for args in ([src, "--out", src], [tmp_path, "--out", src]):  # the file, or its folder
        assert run_cli(command, *args) == 2
        err = capsys.readouterr().err
        assert "would overwrite the input" in err and "Traceback" not in err
        assert src.read_bytes() == before
    # a hard link to the input is the same file under another name
    os.link(src, tmp_path / "alias.jsonl")
    assert run_cli(command, src, "--out", tmp_path / "alias.jsonl") == 2
    assert src.read_bytes() == before and not list(tmp_path.glob("*.partial"))


def _device(path):
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a /dev/null of our own
    except PermissionError:
        pytest.skip("creating a device node needs root")


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device", "folder"])
def test_out_that_is_not_a_regular_file_is_left_alone(tmp_path, write, capsys, kind):
    src = write("in.jsonl", RECORDS)
    target = write("precious.txt", "keep me\n")
    out = tmp_path / "out.jsonl"
    if kind == "symlink":
        out.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(out)
    elif kind == "device":
        _device(out)
    else:
        out.mkdir()
    mode = os.lstat(out).st_mode
    assert run_cli("detect", src, "--out", out) == 2
    err = capsys.readouterr().err
    assert str(out) in err and ("not a regular file" in err or "is a folder" in err)
    assert "Traceback" not in err
    assert os.lstat(out).st_mode == mode  # still the link, FIFO, device or folder
    assert target.read_text() == "keep me\n"
    assert not list(tmp_path.glob("*.partial"))


def test_unwritable_out_gets_a_message(tmp_path, write, capsys):
    src = write("in.jsonl", RECORDS)
    write("plain.txt", "x")
    for out in (tmp_path / "plain.txt" / "o.jsonl", "/proc/repair-test/o.jsonl"):
        assert run_cli("detect", src, "--out", out) == 2
        err = capsys.readouterr().err
        assert "error:" in err and "Traceback" not in err


def test_out_equal_to_the_queue_is_refused(tmp_path, write, capsys):
    src = write("in.jsonl", RECORDS)
    q = tmp_path / "q.db"
    assert run_cli("run", src, "--out", tmp_path / "o.jsonl", "--queue", q) == 0
    before = q.read_bytes()
    assert run_cli("run", src, "--out", q, "--queue", q) == 2
    assert "review queue" in capsys.readouterr().err and q.read_bytes() == before


def test_rich_markup_in_paths_is_printed_as_text(tmp_path, write, capsys):
    src = write("in.jsonl", RECORDS)
    out = tmp_path / "[/x]" / "[red]o.jsonl"
    assert run_cli("detect", src, "--out", out) == 0
    assert "[/x]/[red]o.jsonl" in "".join(capsys.readouterr().out.split())  # wrapped title
    assert out.exists()


def test_rich_markup_in_reviewer_names_is_printed_as_text(queue_path, capsys):  # noqa: F811
    for n, reviewer in enumerate(("[/b]x", "[red]bob"), start=1):
        assert run_cli("review", "accept", n, "--queue", queue_path, "--reviewer", reviewer,
                       "--force") == 0
    capsys.readouterr()
    assert run_cli("review", "stats", "--queue", queue_path) == 0
    out = capsys.readouterr().out
    assert "[/b]x" in out and "[red]bob" in out


def test_aliases_suggest_into_a_missing_folder(queue_path, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "new" / "rows.tsv"
    assert run_cli("aliases", "suggest", "--queue", queue_path, "--out", out) == 0
    assert out.read_text(encoding="utf-8").startswith("canonical\t")
    assert run_cli("aliases", "suggest", "--queue", queue_path, "--out", tmp_path) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_eval_outside_the_project_root(tmp_path, monkeypatch, write, capsys):
    """configs/run.yaml's relative paths (../shared/...) resolve against the project root."""
    if not (SHARED / "seed_dev.jsonl").exists():
        pytest.skip("shared data not available")
    monkeypatch.chdir(tmp_path)
    assert run_cli("eval", "--clean-n", "0") == 0
    assert "ROC-AUC" in capsys.readouterr().out


# --------------------------------------------------------------------------- interruptions


def _big_input(path, n=4000):
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"Thủ tướng Ruan Chunfu phát biểu tại phiên họp thứ {i}. Trời hôm nay đẹp."
            fh.write(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _interrupt(tmp_path, sig, *extra):
    src = _big_input(tmp_path / "big.jsonl")
    out = tmp_path / "o.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "repair", "run", str(src), "--out", str(out), *map(str, extra)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    partial = tmp_path / "o.jsonl.partial"
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size > 0):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the job never started writing"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, out


@pytest.mark.slow
@pytest.mark.parametrize("sig, code, name", [(signal.SIGINT, 130, "Ctrl-C"),
                                             (signal.SIGTERM, 143, "SIGTERM")])
def test_interrupted_job_exits_non_zero_and_leaves_no_partial_file(tmp_path, sig, code, name):
    q = tmp_path / "q.db"
    rc, err, out = _interrupt(tmp_path, sig, "--queue", q)
    assert rc == code, err
    assert f"interrupted ({name})" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    # queue work committed before the signal stays, and the queue is consistent
    import sqlite3

    db = sqlite3.connect(q)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    db.close()
    assert n > 0


@pytest.mark.parametrize("args", [["detect", "--bogus"], ["detect", "x.txt", "--out", "o.jsonl",
                                                          "--unit", "para"]])
def test_usage_errors_exit_2_with_a_message(args, capsys):
    assert run_main(*args) == 2
    err = capsys.readouterr().err
    assert "Error:" in err and "Traceback" not in err

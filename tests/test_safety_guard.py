"""One guard for every file the tool writes: a table of hostile outputs over every command
that writes, a property test over random --out choices, two jobs on one output."""

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .conftest import ROOT, SAMPLES, run_cli

RECORDS = [{"id": "a", "text": "Ông Ruan Chunfu phát biểu tại Hà Nội."},
           {"id": "b", "text": "Trời hôm nay đẹp."}]
RULES = "detect:\n  model: null\n  threshold: null\nrewrite:\n  model: null\n"


@pytest.fixture
def env(tmp_path, samples_db, tiny_corpus):
    """Inputs for every command: records, a rules-only config, a queue, a corpus, renderings."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS),
                   encoding="utf-8")
    names = tmp_path / "names.jsonl"
    names.write_text('{"id": "n1", "text": "Ruan Chunfu"}\n', encoding="utf-8")
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(RULES, encoding="utf-8")
    queue = tmp_path / "q.db"
    shutil.copy(samples_db, queue)
    corpus = tmp_path / "corpus.jsonl.gz"
    shutil.copy(tiny_corpus, corpus)
    return {"src": src, "names": names, "cfg": cfg, "queue": queue, "corpus": corpus,
            "samples": SAMPLES}


# command -> (arguments with OUT, the input the output must never be); every command that
# writes a file
FILE_COMMANDS = {
    "detect": (lambda e, o: ["detect", e["src"], "--out", o, "--config", e["cfg"]], "src"),
    "run": (lambda e, o: ["run", e["src"], "--out", o, "--config", e["cfg"]], "src"),
    "names resolve": (lambda e, o: ["names", "resolve", e["names"], "--out", o], "names"),
    "names gazetteer": (lambda e, o: ["names", "gazetteer", "--corpus", e["corpus"], "--out", o,
                                      "--stats-out", Path(str(o) + ".stats.tsv.gz")], "corpus"),
    "train lexicon": (lambda e, o: ["train", "lexicon", "--corpus", e["corpus"], "--out", o],
                      "corpus"),
    "train alias-counts": (lambda e, o: ["train", "alias-counts", "--corpus", e["corpus"],
                                         "--out", o, "--floor", 3], "corpus"),
    "train calque-contexts": (lambda e, o: ["train", "calque-contexts", "--corpus",
                                            e["corpus"], "--out", o], "corpus"),
    "export": (lambda e, o: ["export", "--queue", e["queue"], "--out", o], "queue"),
    "aliases suggest": (lambda e, o: ["aliases", "suggest", "--queue", e["queue"], "--out", o],
                        "queue"),
}
# every command that writes a folder
FOLDER_COMMANDS = {
    "apply": lambda e, o: ["apply", e["samples"], "--queue", e["queue"], "--out", o],
    "export --format hf": lambda e, o: ["export", "--queue", e["queue"], "--format", "hf",
                                        "--out", o],
    "finetune": lambda e, o: ["finetune", "--queue", e["queue"], "--base",
                              ROOT / "models" / "rewriter", "--out", o],
    "finetune-demo": lambda e, o: ["finetune-demo", "--base", ROOT / "models" / "rewriter",
                                   "--out", o],
}


def _snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: kind and bytes (links not followed)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        mode = os.lstat(p).st_mode
        out[str(p)] = (stat.S_IFMT(mode), p.read_bytes() if stat.S_ISREG(mode) else
                       os.readlink(p) if stat.S_ISLNK(mode) else None)
    return out


def _hostile_file(kind: str, tmp: Path, e: dict, input_key: str) -> Path:
    user = tmp / "user"
    user.mkdir(exist_ok=True)
    precious = user / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    out = user / "out.file"
    if kind == "input":
        return e[input_key]
    if kind == "existing file":
        out.write_text("the user's notes\n", encoding="utf-8")
    elif kind == "symlink":
        out.symlink_to(precious)
    elif kind == "folder":
        out.mkdir()
        (out / "x.txt").write_text("x", encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(out)
    elif kind == "device":
        try:
            os.mknod(out, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device node needs root")
    elif kind == "foreign settings file":
        Path(str(out) + ".config.yaml").write_text("my: own settings\n", encoding="utf-8")
    elif kind == "link to an input":
        out.symlink_to(e[input_key])
    return out


FILE_KINDS = ["input", "existing file", "symlink", "folder", "fifo", "device",
              "foreign settings file", "link to an input"]


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_every_file_command_refuses_a_hostile_out(tmp_path, env, capsys, command, kind):
    args, input_key = FILE_COMMANDS[command]
    out = _hostile_file(kind, tmp_path, env, input_key)
    before = _snapshot(tmp_path)
    assert run_cli(*args(env, out)) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert _snapshot(tmp_path) == before  # nothing the user had changed, nothing added


@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_every_file_command_rewrites_its_own_output(tmp_path, env, monkeypatch, command):
    """A relative --out is taken from the current directory; a second run replaces what the
    first wrote (recognised by its receipt); an edited output is not the tool's any more."""
    args, _ = FILE_COMMANDS[command]
    monkeypatch.chdir(tmp_path)
    assert run_cli(*args(env, Path("rel") / "o.out")) == 0
    out = tmp_path / "rel" / "o.out"
    receipt = Path(str(out) + ".config.yaml")
    assert out.is_file() and receipt.is_file() and not list(tmp_path.rglob("*.lock"))
    assert run_cli(*args(env, Path("rel") / "o.out")) == 0
    with out.open("ab") as fh:
        fh.write(b"# my own line\n")
    edited = out.read_bytes()
    assert run_cli(*args(env, Path("rel") / "o.out")) == 2
    assert out.read_bytes() == edited


FOLDER_KINDS = ["user folder", "symlink to a folder", "file", "input folder"]


@pytest.mark.parametrize("kind", FOLDER_KINDS)
@pytest.mark.parametrize("command", list(FOLDER_COMMANDS))
def test_every_folder_command_refuses_a_hostile_out(tmp_path, env, capsys, command, kind):
    user = tmp_path / "user"
    user.mkdir()
    (user / "README.md").write_text("my notes\n", encoding="utf-8")
    out = tmp_path / "out"
    if kind == "user folder":
        out = user
    elif kind == "symlink to a folder":
        out.symlink_to(user)
    elif kind == "file":
        out.write_text("a file\n", encoding="utf-8")
    else:
        out = env["samples"] if command == "apply" else ROOT / "models" / "rewriter"
    before, shipped = _snapshot(tmp_path), _snapshot(ROOT / "models")
    assert run_cli(*FOLDER_COMMANDS[command](env, out)) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert _snapshot(tmp_path) == before and _snapshot(ROOT / "models") == shipped


def test_folder_outputs_are_marked_and_reused(tmp_path, env):
    out = tmp_path / "fixed"
    assert run_cli("apply", SAMPLES, "--queue", env["queue"], "--out", out) == 0
    assert (out / ".repair-output").is_file()
    assert run_cli("apply", SAMPLES, "--queue", env["queue"], "--out", out) == 0  # ours
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("export", "--queue", env["queue"], "--format", "hf", "--out", empty) == 0


def test_a_held_lock_refuses_a_second_writer(tmp_path, env, capsys):
    from repair.text.guard import hold_output

    out = tmp_path / "o.jsonl"
    with hold_output(out, "repair detect (the first job)"):
        assert run_cli("detect", env["src"], "--out", out, "--config", env["cfg"]) == 2
        err = capsys.readouterr().err
        assert f"pid {os.getpid()}" in err and "the first job" in err
        assert not out.exists()
    assert not Path(str(out) + ".lock").exists()
    assert run_cli("detect", env["src"], "--out", out, "--config", env["cfg"]) == 0


def test_a_stale_lock_file_is_taken_over(tmp_path, env):
    out = tmp_path / "o.jsonl"
    Path(str(out) + ".lock").write_text('{"pid": 1, "command": "killed", "started": "x"}')
    assert run_cli("detect", env["src"], "--out", out, "--config", env["cfg"]) == 0


# ----------------------------------------------------------------- property: random --out

OUT_KINDS = ["new", "missing parent", "existing file", "input", "symlink", "folder", "fifo",
             "device", "own output"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(OUT_KINDS), min_size=1, max_size=3))
@example(kinds=["missing parent", "own output"])  # own output after a made parent folder
def test_user_files_are_byte_equal_whatever_out_is(tmp_path_factory, kinds):
    """Whatever sequence of --out choices a user makes, every file the tool did not write
    is byte-equal afterwards, and every run either succeeds or exits 2 with a message."""
    tmp = tmp_path_factory.mktemp("prop")
    src = tmp / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS),
                   encoding="utf-8")
    cfg = tmp / "rules.yaml"
    cfg.write_text(RULES, encoding="utf-8")
    ours: set[str] = set()
    outputs: set[str] = set()
    for n, kind in enumerate(kinds):
        out = tmp / f"o{n}.jsonl"
        if kind == "missing parent":
            out = tmp / f"new{n}" / "deeper" / "o.jsonl"
        elif kind == "existing file":
            out.write_bytes(b"user bytes\x00\xff")
        elif kind == "input":
            out = src
        elif kind == "symlink":
            out.symlink_to(cfg)
        elif kind == "folder":
            out.mkdir()
        elif kind == "fifo":
            os.mkfifo(out)
        elif kind == "device":
            try:
                os.mknod(out, stat.S_IFCHR | 0o600, os.makedev(1, 3))
            except PermissionError:
                os.mkfifo(out)
        elif kind == "own output" and outputs:
            out = Path(sorted(outputs)[0])  # an output file, not a folder it made
        before = {p: v for p, v in _snapshot(tmp).items() if p not in ours}
        code = run_cli("detect", src, "--out", out, "--config", cfg)
        if kind in ("new", "missing parent") or (kind == "own output" and str(out) in ours):
            assert code == 0
        elif kind != "own output":
            assert code == 2
        if code == 0:
            outputs.add(str(out))
            ours |= {str(out), str(out) + ".config.yaml"}
            ours |= {str(p) for p in out.parents if str(p).startswith(str(tmp / "new"))}
        after = _snapshot(tmp)
        assert {p: v for p, v in after.items() if p in before} == before
        assert set(after) - set(before) <= ours


# ------------------------------------------------------------ two jobs on one output


def _records_file(path: Path, prefix: str, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"Thủ tướng Ruan Chunfu phát biểu tại phiên họp thứ {i}. Trời hôm nay đẹp."
            fh.write(json.dumps({"id": f"{prefix}{i}", "text": text}, ensure_ascii=False) + "\n")
    return path


@pytest.mark.slow
def test_two_jobs_on_one_output(tmp_path):
    a = _records_file(tmp_path / "a.jsonl", "a", 3000)
    b = _records_file(tmp_path / "b.jsonl", "b", 50)
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(RULES, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(src):
        return subprocess.Popen([sys.executable, "-m", "repair", "run", str(src), "--out",
                                 str(out), "--config", str(cfg), "--batch-segments", "16"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    first = start(a)
    deadline = time.monotonic() + 120
    while not Path(str(out) + ".partial").exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = start(b)
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and "another job is writing this output" in err2
    assert f"pid {first.pid}" in err2 and "Traceback" not in err2
    ids = [json.loads(line)["doc_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(set(ids)) == 3000 and all(i.startswith("a") for i in ids)

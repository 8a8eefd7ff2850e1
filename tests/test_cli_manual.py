"""The command line as a new user meets it: help that reads like a manual, typed config
errors, hostile input characters, counts below 1, empty input, another program's database."""

import json
import sqlite3

import pytest

from .conftest import ROOT, read_jsonl, run_cli, run_main

RULES = "detect:\n  model: null\n  threshold: null\nrewrite:\n  model: null\n"


def _help(*args) -> str:
    from typer.testing import CliRunner

    from repair.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], prog_name="repair",
                                env={"COLUMNS": "80"})
    assert result.exit_code == 0
    return result.stdout


def test_top_level_help_says_what_the_tool_does():
    text = _help()
    assert "machine-translation artifacts in Vietnamese" in text
    assert "Typer" not in text and "thin" not in text


@pytest.mark.parametrize("command", [("detect",), ("run",), ("export",), ("apply",),
                                     ("names", "resolve"), ("names", "gazetteer"),
                                     ("train", "lexicon"), ("finetune",), ("review", "next")])
def test_help_shows_types_and_defaults_without_markup_noise(command):
    text = _help(*command)
    assert "<bool>" not in text and "╭" not in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_brackets_in_help_text_survive():
    assert "[context]" in _help("names", "resolve")
    assert "[default: 256; x>=1]" in " ".join(_help("run").split())


def test_side_files_are_named_in_the_help():
    assert "OUT.config.yaml" in " ".join(_help("names", "gazetteer").split())
    assert "--stats-out" in _help("names", "gazetteer")
    assert "FILE.config.yaml" in " ".join(_help("detect").split())


def test_models_list_fits_80_columns(capsys):
    assert run_cli("models", "list") == 0
    out = capsys.readouterr().out
    assert "detector" in out and all(len(line) <= 80 for line in out.splitlines())


def test_review_show_names_a_command_that_lists_items(queue_path, capsys):  # noqa: F811
    assert run_cli("review", "show", "999999", "--queue", queue_path) != 0
    err = capsys.readouterr().err
    assert "`repair review list`" in err
    assert run_cli("review", "list", "--queue", queue_path, "--status", "pending") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split("\t")[1] == "pending" for line in lines)


def test_export_hf_prints_no_progress_bars(queue_path, tmp_path, capfd):  # noqa: F811
    assert run_main("export", "--queue", queue_path, "--format", "hf", "--out",
                    tmp_path / "hf") == 0
    captured = capfd.readouterr()
    assert "Saving the dataset" not in captured.out + captured.err
    assert "%|" not in captured.out + captured.err


# ----------------------------------------------------------------- config, input, counts


@pytest.mark.parametrize("yaml_text, needle", [
    ("detect:\n  threshold: banana\n", "'detect.threshold' must be a number or null, not "
                                        "'banana'"),
    ("rewrite:\n  dates: maybe\n", "'rewrite.dates' must be true or false"),
    ("queue:\n  claim_ttl_s: [1]\n", "'queue.claim_ttl_s' must be"),
    ("aliases: 3\n", "'aliases' must be a list of text"),
    ("names:\n  top_k: 2.5\n", "'names.top_k' must be a whole number"),
])
def test_a_config_value_of_the_wrong_type_names_key_and_type(write, tmp_path, capsys,
                                                             yaml_text, needle):
    src = write("in.jsonl", [{"id": "a", "text": "Trời đẹp."}])
    cfg = write("c.yaml", yaml_text)
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl", "--config", cfg) == 2
    err = capsys.readouterr().err
    assert needle in err and str(cfg) in err and "Traceback" not in err


@pytest.mark.parametrize("content, line, what", [
    (b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "x \\ud800 y"}\n', 2, "lone surrogate"),
    (b'{"id": "a", "text": "x \\u0000 y"}\n', 1, "NUL byte"),
    (b'{"id": "\\udfff", "text": "ok"}\n', 1, "lone surrogate"),
])
def test_surrogates_and_nul_in_jsonl_name_the_line(write, tmp_path, capsys, content, line,
                                                   what):
    src = write("in.jsonl", content)
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl") == 2
    err = capsys.readouterr().err
    assert f"{src}:{line}:" in err and what in err and "Traceback" not in err
    assert not (tmp_path / "o.jsonl").exists()


def test_nul_in_a_txt_names_the_line(write, tmp_path, capsys):
    src = write("a.txt", "Câu một.\nCâu hai.\x00 Câu ba.\n")
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl") == 2
    assert f"{src}:2:" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--batch-segments", "0"], ["--workers", "0"],
                                  ["--workers", "-2"]])
def test_counts_below_one_are_refused(write, tmp_path, capsys, args):
    src = write("in.jsonl", [{"id": "a", "text": "Trời đẹp."}])
    assert run_main("detect", src, "--out", tmp_path / "o.jsonl", *args) == 2
    err = capsys.readouterr().err
    assert "greater than or equal to 1" in err and "Traceback" not in err


def test_counts_below_one_are_refused_by_the_library(write, tmp_path, settings):
    from repair.errors import ConfigError
    from repair.jobs import run_job

    src = write("in.jsonl", [{"id": "a", "text": "Trời đẹp."}])
    with pytest.raises(ConfigError, match="at least 1"):
        run_job([src], tmp_path / "o.jsonl", settings, mode="detect", batch_segments=0)


def test_an_empty_input_gives_a_warning(write, tmp_path, capsys):
    src = write("empty.jsonl", "")
    cfg = write("rules.yaml", RULES)
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl", "--config", cfg) == 0
    assert "warning: the input holds no text" in capsys.readouterr().err
    assert (tmp_path / "o.jsonl").read_text() == ""


def test_unit_sentence_on_a_txt_takes_each_line(write, tmp_path):
    src = write("art.txt", "Câu một. Câu hai trên cùng dòng.\n\n  Dòng thứ hai.\r\nCuối\n")
    cfg = write("rules.yaml", RULES)
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl", "--unit", "sentence",
                   "--config", cfg) == 0
    recs = read_jsonl(tmp_path / "o.jsonl")
    assert [r["text"] for r in recs] == ["Câu một. Câu hai trên cùng dòng.", "Dòng thứ hai.",
                                         "Cuối"]
    assert [r["id"] for r in recs] == ["art#0", "art#1", "art#2"]


def test_settings_beside_an_output_list_every_path_absolute(write, tmp_path, monkeypatch):
    import yaml

    src = write("in.jsonl", [{"id": "a", "text": "Trời đẹp."}])
    monkeypatch.chdir(tmp_path)
    assert run_cli("detect", "in.jsonl", "--out", "o.jsonl") == 0
    data = yaml.safe_load((tmp_path / "o.jsonl.config.yaml").read_text(encoding="utf-8"))
    paths = [v for section in data.values() if isinstance(section, dict)
             for k, v in section.items() if isinstance(v, str) and ("/" in v or k == "model")]
    paths += list(data["aliases"])
    assert paths and all(p.startswith("/") for p in paths), paths
    assert src.exists()


def test_another_programs_database_is_not_made_a_queue(write, tmp_path, capsys):
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices (total) VALUES (9.5)")
    con.commit()
    con.close()
    before = db.read_bytes()
    src = write("in.jsonl", [{"id": "a", "text": "Ông Ruan Chunfu đến."}])
    cfg = write("rules.yaml", RULES)
    assert run_cli("run", src, "--out", tmp_path / "o.jsonl", "--queue", db,
                   "--config", cfg) == 4
    err = capsys.readouterr().err
    assert "not a review queue" in err and "invoices" in err
    assert db.read_bytes() == before and not (tmp_path / "o.jsonl").exists()
    # an empty file and an existing queue open as before
    assert run_cli("run", src, "--out", tmp_path / "o.jsonl", "--queue", tmp_path / "q.db",
                   "--config", cfg) == 0
    assert run_cli("review", "list", "--queue", tmp_path / "q.db") == 0


def test_finetune_outside_the_project_leaves_the_tracked_registry(tmp_path, monkeypatch):
    from repair.train.registry import REGISTRY, ModelEntry, register_new, registry_for

    monkeypatch.delenv("VI_REPAIR_REGISTRY", raising=False)
    before = REGISTRY.read_bytes()
    assert registry_for(tmp_path / "m") is None
    assert registry_for(ROOT / "models" / "x") == REGISTRY
    assert register_new(ModelEntry(name="m", kind="rewriter", path=str(tmp_path / "m"))) is None
    assert REGISTRY.read_bytes() == before
    assert json.loads(before)["models"]  # still the project's registry

"""A password in a queue URL is in no file the tool writes (outputs, settings beside them,
cards, registry) and in nothing it prints or logs."""

import json
import logging
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from repair.text.guard import mask_secrets, mask_url

from .conftest import ROOT, SAMPLES, pg_database, run_cli

SECRET = "S3cret-pw_41"
RECORDS = [{"id": "a", "text": "Ông Ruan Chunfu phát biểu tại Hà Nội."},
           {"id": "b", "text": "Trời hôm nay đẹp."}]


def _with_password(url: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user or 'postgres'}:{SECRET}@{host}"))


def _scan(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and SECRET.encode() in
            p.read_bytes()]


@pytest.mark.parametrize("text, masked", [
    ("postgresql://rev:pw@db/q", "postgresql://rev:***@db/q"),
    ("postgres://:pw@/q?host=/tmp", "postgres://:***@/q?host=/tmp"),
    ("see postgresql://a:b@h/x and postgresql://c@h/y", "see postgresql://a:***@h/x and "
     "postgresql://c@h/y"),
    ("postgresql://rev@db/q", "postgresql://rev@db/q"),
    ("/data/queue.db", "/data/queue.db"),
])
def test_mask_url(text, masked):
    assert mask_url(text) == masked
    assert mask_secrets({"queue": {"path": text}, "n": 1, "l": [text]}) == {
        "queue": {"path": masked}, "n": 1, "l": [masked]}


def test_settings_beside_an_output_mask_the_password(tmp_path, write, capsys):
    """No database needed: `detect` writes the resolved settings, the queue URL among them."""
    src = write("in.jsonl", RECORDS)
    cfg = write("c.yaml", f"queue:\n  path: postgresql://rev:{SECRET}@db.example/q\n"
                "detect:\n  model: null\n  threshold: null\n")
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl", "--config", cfg) == 0
    settings = (tmp_path / "o.jsonl.config.yaml").read_text(encoding="utf-8")
    assert "postgresql://rev:***@db.example/q" in settings
    assert _scan(tmp_path) == [str(cfg)]  # only the user's own config holds it
    assert SECRET not in "".join(capsys.readouterr())


def test_a_queue_url_password_is_in_no_file_and_no_log(tmp_path, pg_admin, caplog, capsys,
                                                       monkeypatch):
    """Every command that takes a queue, on a PostgreSQL queue whose URL has a password:
    nothing written under the work folder, in the registry, printed or logged holds it."""
    caplog.set_level(logging.DEBUG)
    registry = tmp_path / "registry.json"
    monkeypatch.setenv("VI_REPAIR_REGISTRY", str(registry))
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    cfg = tmp_path / "rules.yaml"
    cfg.write_text("detect:\n  model: null\n  threshold: null\nrewrite:\n  model: null\n",
                   encoding="utf-8")
    with pg_database(pg_admin) as plain:
        url = _with_password(plain)
        assert run_cli("run", src, "--out", tmp_path / "o.jsonl", "--queue", url,
                       "--config", cfg) == 0
        assert run_cli("review", "accept", "1", "--queue", url, "--reviewer", "an",
                       "--force") == 0
        assert run_cli("review", "list", "--queue", url) == 0
        assert run_cli("review", "stats", "--queue", url) == 0
        for fmt in ("jsonl", "tmx", "xliff", "hf"):
            assert run_cli("export", "--queue", url, "--format", fmt, "--out",
                           tmp_path / f"x.{fmt}") == 0
        assert run_cli("apply", src, "--queue", url, "--out", tmp_path / "fixed") == 0
        assert run_cli("aliases", "suggest", "--queue", url, "--out", tmp_path / "r.tsv") == 0
        # a model from the accepted item: its card, finetune.json, data and registry entry
        assert run_cli("finetune", "--queue", url, "--base", ROOT / "models" / "rewriter",
                       "--out", tmp_path / "ft") == 0
        # an error on a queue that does not exist names it, masked
        missing = url.rsplit("/", 1)[0] + "/no_such_db"
        assert run_cli("review", "stats", "--queue", missing) != 0
    printed = "".join(capsys.readouterr())
    assert SECRET not in printed and "***" in printed
    assert SECRET not in caplog.text
    assert _scan(tmp_path) == []
    assert "ft" in json.loads(registry.read_text(encoding="utf-8"))["models"]
    assert SECRET not in registry.read_text(encoding="utf-8")
    settings = (tmp_path / "o.jsonl.config.yaml").read_text(encoding="utf-8")
    assert ":***@" in settings
    assert json.loads((tmp_path / "x.jsonl").read_text().splitlines()[0])

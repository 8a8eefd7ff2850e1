"""Helpers for the review tests: settings and queues made by the real batch job (their fixtures,
``samples_db`` and ``queue_path``, are in ``conftest.py``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path


def rules_settings(settings):
    """The default settings with the transparent rules as detector and alias proposals only:
    the review tests are about the queue, and its items and spans do not move when a model
    is retrained or the deterministic proposers learn more."""
    return replace(settings, detect=replace(settings.detect, model=None, threshold=None),
                   rewrite=replace(settings.rewrite, model=None, calques=None, dates=False))


def synthetic_queue(tmp_path: Path, settings, n: int, where: str | None = None) -> str:
    """A queue of ``n`` items, one per sentence record, each with a known alias variant, at
    ``where`` (default: an SQLite file under ``tmp_path``)."""
    from repair.jobs import run_job

    src = tmp_path / "many.jsonl"
    lines = [
        {"id": f"s{i:04d}", "text": f"Thủ tướng Ruan Chunfu phát biểu tại phiên họp số {i}."}
        for i in range(n)
    ]
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8"
    )
    db = where or str(tmp_path / "many.db")
    s = replace(settings, unit="sentence", queue=replace(settings.queue, path=db))
    run_job([src], tmp_path / "many.out.jsonl", s)
    return db

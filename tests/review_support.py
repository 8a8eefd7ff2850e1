"""Shared set-up for the review tests: real queues made by the real batch job.

Test modules import the fixtures ``samples_db`` and ``queue_path`` from here.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from repair.review.copy import copy_queue

from .conftest import SAMPLES


def rules_settings(settings):
    """The default settings with the transparent rules as detector and alias proposals only:
    the review tests are about the queue, and its items and spans do not move when a model
    is retrained or the deterministic proposers learn more."""
    return replace(settings, detect=replace(settings.detect, model=None, threshold=None),
                   rewrite=replace(settings.rewrite, model=None, calques=None, dates=False))


@pytest.fixture(scope="session")
def samples_db(tmp_path_factory, settings) -> Path:
    """The queue that ``repair run samples/seeds --queue`` makes (built once), rules detector."""
    from repair.jobs import run_job

    d = tmp_path_factory.mktemp("samples_queue")
    db = d / "samples.db"
    s = rules_settings(settings)
    run_job([SAMPLES], d / "samples.jsonl", replace(s, queue=replace(s.queue, path=str(db))))
    return db


@pytest.fixture
def queue_path(new_queue, samples_db) -> str:
    """A fresh copy of the sample queue for one test, on each back end in turn (an SQLite
    file, or a PostgreSQL URL the copy went to with `repair queue copy`)."""
    if new_queue.startswith("postgresql://"):
        copy_queue(samples_db, new_queue)
    else:
        shutil.copy(samples_db, new_queue)
    return new_queue


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

"""Stage timers (off: a shared do-nothing context; on: seconds and calls per name, written by
a process started with REPAIR_TIMING) and prepared tables (built once, read back while the
source is unchanged, rebuilt when it changes, never written over a file of someone else's)."""

import json
import os
import pickle
import subprocess
import sys
import time

import pytest

from repair.text import timing
from repair.text.prepared import MAGIC, prepared, prepared_path

from .conftest import ROOT


@pytest.fixture
def timers():
    was = timing.enabled()
    timing.reset()
    yield timing
    timing.reset()
    (timing.enable if was else timing.disable)()


def test_timers_off_cost_nothing_and_record_nothing(timers):
    timers.disable()
    assert timers.timed("a") is timers.timed("b")  # one shared null context

    @timers.timed_call("load: x")
    def load():
        return 7

    with timers.timed("a"):
        assert load() == 7
    assert timers.totals() == {}
    t0 = time.perf_counter()
    for _ in range(100_000):
        with timers.timed("a"):
            pass
    assert (time.perf_counter() - t0) / 100_000 < 5e-6  # well under the cost of any stage


def test_timers_on_add_seconds_and_calls_nested_names_counting_in_both(timers):
    timers.enable()

    @timers.timed_call("load: x")
    def load():
        time.sleep(0.01)
        return 7

    for _ in range(3):
        with timers.timed("stage"):
            assert load() == 7
    got = timers.totals()
    assert list(got) == ["load: x", "stage"] and got["stage"][1] == 3 and got["load: x"][1] == 3
    assert got["stage"][0] >= got["load: x"][0] >= 0.03


def test_a_process_started_with_the_variable_writes_its_timers(tmp_path):
    out = tmp_path / "t.json"
    code = ("from repair.text.timing import timed\n"
            "with timed('work'):\n    sum(range(1000))\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT), timing.ENV: str(out)})
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["work"]["calls"] == 1 and data["work"]["seconds"] >= 0


def test_a_prepared_table_is_built_once_and_rebuilt_when_its_source_changes(tmp_path):
    src = tmp_path / "table.csv"
    src.write_text("a,1\nb,2\n", encoding="utf-8")
    builds = []

    def build():
        builds.append(1)
        return dict(line.split(",") for line in src.read_text(encoding="utf-8").split())

    assert prepared("t-v1", [src], build) == {"a": "1", "b": "2"}
    assert prepared("t-v1", [src], build) == {"a": "1", "b": "2"} and len(builds) == 1
    assert prepared_path(src, "t-v1").read_bytes().startswith(MAGIC)
    src.write_text("a,1\nb,3\n", encoding="utf-8")  # stale: rebuilt, stored again
    assert prepared("t-v1", [src], build) == {"a": "1", "b": "3"} and len(builds) == 2
    assert prepared("t-v1", [src], build) == {"a": "1", "b": "3"} and len(builds) == 2
    assert prepared("t-v2", [src], build) and len(builds) == 3  # a new format: rebuilt


def test_a_prepared_copy_is_never_read_from_or_written_over_a_foreign_file(tmp_path):
    src = tmp_path / "table.csv"
    src.write_text("x\n", encoding="utf-8")
    foreign = prepared_path(src, "t-v1")
    foreign.write_bytes(pickle.dumps({"evil": True}))
    assert prepared("t-v1", [src], lambda: {"ok": True}) == {"ok": True}
    assert pickle.loads(foreign.read_bytes()) == {"evil": True}  # left as it was


def test_a_store_that_cannot_be_written_builds_each_time(tmp_path):
    src = tmp_path / "table.csv"
    src.write_text("x\n", encoding="utf-8")
    store = tmp_path / "not-a-folder"
    store.write_text("mine\n", encoding="utf-8")  # writing into it fails, as a read-only one
    builds = []
    for _ in range(2):
        assert prepared("t-v1", [src], lambda: builds.append(1) or 5, store=store) == 5
    assert len(builds) == 2 and store.read_text(encoding="utf-8") == "mine\n"

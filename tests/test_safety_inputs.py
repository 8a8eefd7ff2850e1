"""Hostile or unusual inputs: duplicate ids, compressed JSONL, alias tables that would rewrite
ordinary text, exports of small queues, undone decisions, one very long line."""

import gzip
import json

import pytest

from repair.aliases import load_alias_tables
from repair.errors import AliasTableError, InputError
from repair.review import Queue
from repair.review.export import export_queue
from repair.review.stats import queue_stats
from repair.text import read_documents

from .conftest import read_jsonl, run_cli

HEADER = "canonical\ttype\tvariants\tcontext\n"


# --------------------------------------------------------------------------- JSONL input


def test_duplicate_ids_are_refused_with_file_and_line(tmp_path, write, capsys):
    src = write("d.jsonl", [{"id": "a", "text": "Câu một."}, {"id": "b", "text": "Câu hai."},
                            {"id": "a", "text": "Câu ba."}])
    with pytest.raises(InputError, match="duplicate id 'a'") as err:
        list(read_documents([src]))
    assert f"{src}:3:" in str(err.value) and f"{src}:1" in str(err.value)
    out = tmp_path / "o.jsonl"
    assert run_cli("detect", src, "--out", out) == 2
    assert f"{src}:3:" in capsys.readouterr().err and not out.exists()
    # across two files too: the id names the queue item and the output record
    first = write("e.jsonl", [{"id": "b", "text": "X."}])
    second = write("f.jsonl", [{"id": "b", "text": "Câu khác."}])
    with pytest.raises(InputError, match=f"first at {first}:1"):
        list(read_documents([first, second]))


def test_jsonl_gz_is_streamed_like_jsonl(tmp_path, write):
    recs = [{"id": "a", "text": "Ông Ruan Chunfu phát biểu.", "src": "x"},
            {"id": "b", "text": "Trời đẹp."}]
    plain = write("c.jsonl", recs)
    packed = tmp_path / "gz" / "c.jsonl.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert run_cli("detect", plain, "--out", tmp_path / "p.jsonl") == 0
    assert run_cli("detect", packed.parent, "--out", tmp_path / "g.jsonl") == 0  # in a folder
    assert read_jsonl(tmp_path / "p.jsonl") == read_jsonl(tmp_path / "g.jsonl")


def test_corrupt_jsonl_gz_fails_with_file_name(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"id": "a", "text": "X."}\n' * 50)[:-12])  # truncated
    assert run_cli("detect", bad, "--out", tmp_path / "o.jsonl") == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


# --------------------------------------------------------------------------- alias tables


@pytest.mark.parametrize(
    "rows, line, needle",
    [
        ("Ông Và\tperson\tvà\n", 2, "in clean news"),
        ("X Y Z\tperson\tQwzt|người\n", 2, "in clean news"),
        ("Ruan A\tperson\tRuzz\nRuan B\tperson\tRuzz\n", 3, "maps to 'Ruan B' here"),
        ("Ruan A\tperson\tRuzz\tÔng _\nRuan B\tperson\tRuzz\tÔng _\n", 3, "add a context"),
        ("Ruan A\tperson\tRuzz\tÔng _\nRuan B\tperson\tRuzz\tBà _\nRuan A\tperson\tRuzz\n", 4,
         "maps to 'Ruan A' here and to 'Ruan B'"),
    ],
)
def test_alias_rows_that_would_rewrite_ordinary_text_are_refused(write, rows, line, needle):
    path = write("t.tsv", HEADER + rows)
    with pytest.raises(AliasTableError) as err:
        load_alias_tables([path])
    msg = str(err.value)
    assert f"{path}:{line}:" in msg and needle.lower() in msg.lower()
    assert "context" in msg


def test_alias_conflict_across_tables_names_both_rows(write, capsys, tmp_path):
    a = write("a.tsv", HEADER + "Nguyễn Xuân Phúc\tperson\tRuan Chunfu\n")
    b = write("b.tsv", HEADER + "Someone Else\tperson\tRuan Chunfu\n")
    with pytest.raises(AliasTableError) as err:
        load_alias_tables([a, b])
    assert f"{b}:2:" in str(err.value) and f"{a}:2" in str(err.value)
    src = write("in.jsonl", [{"id": "a", "text": "Ông Ruan Chunfu đến."}])
    assert run_cli("detect", src, "--out", tmp_path / "o.jsonl", "--aliases", b) == 2
    assert "seeds.tsv" in capsys.readouterr().err  # the default table holds the other row


def test_alias_rows_with_contexts_or_rare_variants_are_accepted(write):
    path = write("ok.tsv", HEADER + "Ông Và\tperson\tvà\tÔng _\n"
                 "Ruan A\tperson\tRuzz\tÔng _\nRuan B\tperson\tRuzz\tBà _\n"
                 "Ruan A\tperson\tRuzz\tAnh _\n")  # the same variant again, same canonical
    table = load_alias_tables([path])
    found = table.find("Ông và Ông Ruzz, Bà Ruzz và Anh Ruzz.")
    assert [m.canonical for m in found] == ["Ông Và", "Ruan A", "Ruan B", "Ruan A"]


# --------------------------------------------------------------------------- exports, stats


@pytest.mark.parametrize("n_decided", [0, 1, 2])
def test_every_export_format_loads_back_with_its_own_library(queue_path, aliases, tmp_path,  # noqa: F811
                                                             n_decided):
    from datasets import load_from_disk
    from translate.storage import tmx, xliff2

    with Queue(queue_path, aliases=aliases) as q:
        for it in q.items()[:n_decided]:
            q.decide(it.id, "accept", "an", force=True)
        for fmt in ("jsonl", "tmx", "xliff", "hf"):
            assert export_queue(q, tmp_path / f"x.{fmt}", fmt) == n_decided
    rows = [json.loads(x) for x in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert len(rows) == n_decided
    assert len(tmx.tmxfile.parsefile(str(tmp_path / "x.tmx")).units) == n_decided
    units = xliff2.Xliff2File.parsefile(str(tmp_path / "x.xliff")).units
    assert [u.source for u in units] == [r["machine_text"] for r in rows]
    dd = load_from_disk(str(tmp_path / "x.hf"))
    assert set(dd) == {"train", "validation", "test"}
    assert sum(len(dd[s]) for s in dd) == n_decided


def test_review_stats_do_not_count_undone_decisions(queue_path, aliases):  # noqa: F811
    with Queue(queue_path, aliases=aliases) as q:
        a, b = q.items()[:2]
        q.decide(a.id, "accept", "an", force=True)
        q.undo("an")
        stats = queue_stats(q)
        an = stats.reviewers["an"]
        assert an.actions["accept"] == 0 and an.actions["undo"] == 1 and an.undone == 1
        assert an.decided == 0 and stats.status == {"pending": len(q.items())}
        q.decide(b.id, "reject", "an")
        an = queue_stats(q).reviewers["an"]
        assert an.actions["reject"] == 1 and an.actions["accept"] == 0 and an.decided == 1


# --------------------------------------------------------------------------- long lines


def test_bench_segment_prints_each_layout(capsys):
    assert run_cli("bench", "segment", "--size-mb", "0.01", "--sentences", "60") == 0
    out = capsys.readouterr().out
    for case in ("text with line breaks", "text as one line", "record with line breaks",
                 "record as one line"):
        assert case in out
    assert "ratio" in out and "60 sentences" in " ".join(out.split())

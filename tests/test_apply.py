"""`repair apply`: accepted and edited sentences substituted, every other byte as it was."""

import json
import shutil

import pytest

from repair.errors import InputError
from repair.review import Queue
from repair.review.apply import apply_decisions

from .conftest import SAMPLES


def test_apply_on_samples_substitutes_only_decided_sentences(tmp_path, queue_path, aliases):  # noqa: F811
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    with Queue(queue_path, aliases=aliases) as q:
        by_doc = {}
        for it in q.items():
            by_doc.setdefault(it.doc_id, []).append(it)
        touched = sorted(by_doc)
        assert len(touched) >= 3
        # an article without items gets a BOM and CRLF line endings: both must survive
        crlf = next(f for f in sorted(src.glob("*.txt")) if f.stem not in by_doc)
        crlf.write_bytes(b"\xef\xbb\xbf" + crlf.read_bytes().replace(b"\n", b"\r\n"))
        # a changed article with a BOM keeps it
        bom = src / f"{touched[0]}.txt"
        bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
        accepted = by_doc[touched[0]][0]
        edited = by_doc[touched[1]][0]
        rejected = by_doc[touched[1]][1]
        q.decide(accepted.id, "accept", "an", force=True)
        q.decide(edited.id, "edit", "an", final_text="Câu đã sửa 17.", force=True)
        q.decide(rejected.id, "reject", "an")
        undone = by_doc[touched[2]][0]
        q.decide(undone.id, "accept", "an", force=True)
        q.undo("an")  # an accepted decision that was undone is not applied
        summary = apply_decisions([src], q, tmp_path / "out")

    assert sorted(summary.substituted) == sorted([accepted.id, edited.id])
    assert summary.documents == 5 and summary.changed_documents == 2 and not summary.stale
    for f in sorted(src.glob("*.txt")):
        before, after = f.read_bytes(), (tmp_path / "out" / f.name).read_bytes()
        if f.stem not in touched[:2]:  # nothing accepted here
            assert after == before, f.name  # byte for byte
            continue
        it = accepted if f.stem == touched[0] else edited
        text = before.decode("utf-8-sig")
        final = it.proposal if it is accepted else "Câu đã sửa 17."
        expected = text[: it.start] + final + text[it.end :]
        assert after.decode("utf-8-sig") == expected
        assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
        assert after != before


def test_apply_jsonl_rewrites_only_changed_records(tmp_path, settings, aliases, new_queue):
    from dataclasses import replace

    from repair.jobs import run_job

    src = tmp_path / "recs.jsonl"
    raw = (
        '{"id": "a", "text": "Ông Ruan Chunfu phát biểu.", "src":  "x"}\n'
        '{"id":"b","text":"Trời  đẹp."}\r\n'
        '{"id": "c", "text": "  Ông Ruan Chunfu đến Hà Nội.  ", "n": 1}\n'
    )
    src.write_bytes(raw.encode("utf-8"))
    db = new_queue
    s = replace(settings, unit="sentence", queue=replace(settings.queue, path=str(db)))
    run_job([src], tmp_path / "o.jsonl", s)
    with Queue(db, aliases=aliases) as q:
        items = {it.doc_id: it for it in q.items()}
        assert set(items) == {"a", "c"}
        q.decide(items["c"].id, "accept", "an")
        summary = apply_decisions([src], q, tmp_path / "out")
    lines = (tmp_path / "out" / "recs.jsonl").read_bytes().decode().splitlines(keepends=True)
    old = raw.splitlines(keepends=True)
    assert lines[:2] == old[:2]
    assert json.loads(lines[2]) == {
        "id": "c", "text": "  Ông Nguyễn Xuân Phúc đến Hà Nội.  ", "n": 1
    }
    assert summary.substituted == [items["c"].id]


def test_apply_skips_stale_items_and_refuses_to_overwrite_inputs(tmp_path, queue_path, aliases):  # noqa: F811
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    with Queue(queue_path, aliases=aliases) as q:
        it = q.items()[0]
        q.decide(it.id, "accept", "an", force=True)
        f = src / f"{it.doc_id}.txt"
        text = f.read_text(encoding="utf-8")
        # the reviewed sentence itself changed: stale, the article is left as it is
        f.write_text(text[: it.end - 1] + " nữa" + text[it.end - 1 :], encoding="utf-8")
        summary = apply_decisions([src], q, tmp_path / "out")
        assert summary.stale == [it.id] and summary.changed_documents == 0
        assert (tmp_path / "out" / f.name).read_bytes() == f.read_bytes()
        with pytest.raises(InputError, match="overwrite this input"):
            apply_decisions([src], q, src)


@pytest.mark.parametrize("where", ["start", "before", "after"])
def test_apply_reanchors_sentences_moved_by_edits_elsewhere(tmp_path, queue_path, aliases, where):  # noqa: F811
    """A word or sentence inserted elsewhere moves a reviewed sentence but does not make it
    stale: it is found again by its text."""
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    with Queue(queue_path, aliases=aliases) as q:
        items = sorted((i for i in q.items() if i.doc_id == q.items()[0].doc_id),
                       key=lambda i: i.start)
        first, last = items[0], items[-1]
        for it in (first, last):
            q.decide(it.id, "accept", "an", force=True)
        f = src / f"{first.doc_id}.txt"
        text = f.read_text(encoding="utf-8")
        cut = {"start": 0, "before": first.start, "after": first.end}[where]
        f.write_text(text[:cut] + "Bài đã được viết lại. " + text[cut:], encoding="utf-8")
        summary = apply_decisions([src], q, tmp_path / "out")
    assert not summary.stale and sorted(summary.substituted) == sorted([first.id, last.id])
    out = (tmp_path / "out" / f.name).read_text(encoding="utf-8")
    assert "Bài đã được viết lại. " in out
    assert first.proposal in out and last.proposal in out
    assert first.text not in out and last.text not in out

"""Memory of past decisions, and alias mining from accepted edits."""

import json
from dataclasses import replace

from repair.aliases import load_alias_tables
from repair.jobs import run_job
from repair.review import Queue
from repair.review.alias_mining import format_suggestions, suggest_aliases
from repair.review.memory import Memory, MemoryEntry

SRC = "Thủ tướng Ruan Chunfu phát biểu tại phiên họp số 1."
FINAL = "Thủ tướng Nguyễn Xuân Phúc phát biểu tại phiên họp thứ 1."


def _job(tmp_path, settings, name, records, db):
    src = tmp_path / f"{name}.jsonl"
    src.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    out = tmp_path / f"{name}.out.jsonl"
    s = replace(settings, unit="sentence", queue=replace(settings.queue, path=str(db)))
    summary = run_job([src], out, s)
    return {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}, (
        summary
    )


def test_memory_reuses_reviewer_text_exact_normalised_and_fuzzy(tmp_path, settings, aliases,
                                                                new_queue):
    db = new_queue
    _job(tmp_path, settings, "first", [{"id": "a", "text": SRC}], db)
    with Queue(db, aliases=aliases) as q:
        (item,) = q.items()
        q.decide(item.id, "edit", "an", final_text=FINAL)

    recs, summary = _job(
        tmp_path,
        settings,
        "second",
        [
            {"id": "a", "text": SRC},  # the same segment again: not queued twice
            {"id": "exact", "text": SRC},
            {"id": "norm", "text": "thủ  tướng Ruan Chunfu phát biểu tại phiên họp số 1."},
            {"id": "fuzzy", "text": "Thủ tướng Ruan Chunfu phát biểu tại phiên họp số 1 sáng nay."},
            {"id": "other", "text": "Ông Ruan Chunfu đến thăm Hà Nội."},
        ],
        db,
    )
    for rid in ("a", "exact", "norm"):
        assert recs[rid]["proposal"] == FINAL and recs[rid]["proposal_source"] == "memory"
        assert recs[rid]["model"] == f"memory:{item.id}"
    assert recs["fuzzy"]["proposal"] == (
        "Thủ tướng Nguyễn Xuân Phúc phát biểu tại phiên họp thứ 1 sáng nay."
    )
    assert recs["fuzzy"]["proposal_source"] == "memory"
    assert recs["other"]["proposal_source"] != "memory"
    assert recs["other"]["proposal"] == "Ông Nguyễn Xuân Phúc đến thăm Hà Nội."
    with Queue(db) as q:
        queued = {it.segment_id: it for it in q.items()}
    assert sorted(queued) == ["a", "exact", "fuzzy", "norm", "other"]
    assert queued["exact"].source == "memory" and queued["a"].status == "edited"
    assert summary.queued_new == 4


def test_fuzzy_memory_refuses_overlapping_changes():
    mem = Memory([MemoryEntry(1, SRC, FINAL)])
    assert mem.lookup(SRC).kind == "exact"
    # the new sentence differs inside the stretch the reviewer changed: no safe replay
    assert mem.lookup("Thủ tướng Ruan Chunfa phát biểu tại phiên họp số 1.") is None
    assert mem.lookup("Một câu hoàn toàn khác.") is None


def test_alias_suggestions_from_accepted_edits(tmp_path, settings, aliases, new_queue):
    db = new_queue
    records = [
        {"id": "a", "text": "Ông Ruan Chunfu gặp ông Ruan Fuzhong tại Hà Nội."},
        {"id": "b", "text": "Ông Ruan Chunfu cảm ơn ông Ruan Fuzhong."},
        {"id": "c", "text": "Ông Ruan Chunfu nói."},
    ]
    _job(tmp_path, settings, "m", records, db)
    with Queue(db, aliases=aliases) as q:
        items = {it.segment_id: it for it in q.items()}
        q.decide(items["a"].id, "edit", "an",
                 final_text="Ông Nguyễn Xuân Phúc gặp ông Nguyễn Phú Trọng tại Hà Nội.")
        q.decide(items["b"].id, "edit", "an",
                 final_text="Ông Nguyễn Xuân Phúc cảm ơn ông Nguyễn Phú Trọng.")
        q.decide(items["c"].id, "reject", "an")
        sugg = suggest_aliases(q, aliases)
    # "Ruan Chunfu" is already in the table: only the new name is suggested, with evidence
    assert [(s.canonical, s.variants) for s in sugg] == [
        ("Nguyễn Phú Trọng", {"Ruan Fuzhong": [items["a"].id, items["b"].id]})
    ]
    assert sugg[0].type == "person"
    tsv = tmp_path / "rows.tsv"
    tsv.write_text(format_suggestions(sugg), encoding="utf-8")
    table = load_alias_tables([tsv])  # the suggestions are a valid alias table
    assert [m.canonical for m in table.find("ông Ruan Fuzhong nói")] == ["Nguyễn Phú Trọng"]
    assert "2 edit(s)" in tsv.read_text(encoding="utf-8")


def test_sentences_known_to_memory_do_not_reach_the_rewriter(tmp_path, settings, aliases,
                                                             monkeypatch):
    db = tmp_path / "q.db"
    _job(tmp_path, settings, "first", [{"id": "a", "text": SRC}], db)
    with Queue(db, aliases=aliases) as q:
        (item,) = q.items()
        q.decide(item.id, "edit", "an", final_text=FINAL)

    import importlib

    module = importlib.import_module("repair.rewrite.propose")  # the package shadows the name
    seen = []
    real = module.propose

    def spy(dets, *args, **kw):
        dets = list(dets)
        seen.extend((d.segment.id, d.flagged) for d in dets)
        return real(dets, *args, **kw)

    # the job's propose looks the memory up, then proposes the rest (through this name)
    monkeypatch.setattr(module, "propose", spy)
    recs, _ = _job(tmp_path, settings, "second", [
        {"id": "known", "text": SRC}, {"id": "new", "text": "Ông Ruan Chunfu đến thăm Hà Nội."},
    ], db)
    assert dict(seen) == {"new": True}  # the known sentence never reaches the rewriter
    assert recs["known"]["flagged"] and recs["known"]["proposal_source"] == "memory"
    assert recs["known"]["proposal"] == FINAL

"""The review queue: items with offsets, claims, append-only decisions, undo, QA gate, effort."""

import json
import sqlite3
import time

import pytest

from repair.errors import QueueError
from repair.metrics import word_edit_distance
from repair.review import Queue
from repair.review.diff import diff_html, hter, word_changes
from repair.review.stats import queue_stats
from repair.text import nfc

from .conftest import SAMPLES


@pytest.fixture
def q(queue_path, aliases):  # noqa: F811
    with Queue(queue_path, aliases=aliases) as queue:
        yield queue


def test_items_carry_offsets_context_and_provenance(q):
    items = q.items()
    assert len(items) == 20 and all(it.status == "pending" for it in items)
    for it in items:
        path = SAMPLES / f"{it.doc_id}.txt"
        assert it.doc_path == str(path.resolve())
        original = path.read_text(encoding="utf-8")
        assert nfc(original[it.start : it.end]) == it.text
        assert it.proposal != it.text and it.spans and it.categories
        assert it.model and len(it.alias_digest) == 12
    second = next(it for it in items if it.segment_id.endswith("#2"))
    assert second.context_before and second.context_after


def test_claims_never_hand_out_one_item_twice_and_expire(queue_path, aliases):  # noqa: F811
    with Queue(queue_path, aliases=aliases, claim_ttl_s=0.2) as a, Queue(
        queue_path, aliases=aliases, claim_ttl_s=0.2
    ) as b:
        ia = a.claim("an")
        ib = b.claim("binh")
        assert ia.id != ib.id
        assert a.claim("an").id == ia.id  # asking again returns the held item
        with pytest.raises(QueueError, match="being reviewed by an"):
            b.decide(ia.id, "accept", "binh")
        time.sleep(0.25)
        # an's claim has expired: binh may decide it, and an then cannot.
        b.decide(ia.id, "reject", "binh")
        with pytest.raises(QueueError, match="already rejected by binh"):
            a.decide(ia.id, "accept", "an")


def test_decisions_are_append_only_and_undo_appends(q):
    it = q.claim("an", order="document")
    q.decide(it.id, "accept", "an", comment="ok")
    assert q.get(it.id).status == "accepted"
    assert q.get(it.id).final_text == it.proposal
    q.undo("an")
    after = q.get(it.id)
    assert after.status == "pending" and after.claimed_by == "an"
    edited = it.proposal.replace(" ", "  ", 1)
    q.decide(it.id, "edit", "an", final_text=edited)
    final = q.get(it.id)
    assert final.status == "edited" and final.final_text == edited
    assert [d.action for d in final.history] == ["accept", "undo", "edit"]
    assert final.history[1].undoes == final.history[0].id
    # the database itself holds all three rows: nothing was updated or deleted, and the
    # back end refuses to update or delete one
    assert q.backend.execute("SELECT COUNT(*) AS n FROM decisions")[0]["n"] == 3
    for statement in ("UPDATE decisions SET action='reject'", "DELETE FROM decisions"):
        with pytest.raises(Exception, match="append-only"):
            with q.backend.transaction():
                q.backend.execute(statement)
    assert [d.action for d in q.decisions()] == ["accept", "undo", "edit"]
    with pytest.raises(QueueError, match="no decision to undo"):
        q.undo("binh")


def test_skip_keeps_item_pending_and_brings_it_back_last(q):
    first = q.claim("an")
    q.decide(first.id, "skip", "an")
    assert q.get(first.id).status == "pending"
    seen = []
    while (it := q.claim("an")) is not None and it.id != first.id:
        seen.append(it.id)
        q.decide(it.id, "reject", "an")
    assert it is not None and it.id == first.id and len(seen) == 19
    assert q.claim("binh") is None  # an holds the last item
    q.release(first.id, "an")
    assert q.claim("binh").id == first.id


def test_filters_and_orders(q):
    dup = q.claim("an", category="duplicate")
    assert "duplicate" in dup.categories
    q.release(dup.id, "an")
    scores = []
    while (it := q.claim("an", order="uncertainty")) is not None:
        scores.append(abs(it.score - 0.5))
        q.decide(it.id, "skip", "an")
        if len(scores) == 5:
            break
    assert scores == sorted(scores)
    assert q.claim("binh", min_score=1.01) is None


def test_qa_gate_blocks_accept_of_a_failing_edit_unless_forced(q):
    it = q.claim("an")
    bad = it.proposal.replace("17", "18")
    with pytest.raises(QueueError, match="numbers lost: 17.*--force"):
        q.decide(it.id, "edit", "an", final_text=bad)
    assert q.get(it.id).status == "pending" and not q.get(it.id).history
    d = q.decide(it.id, "edit", "an", final_text=bad, force=True, comment="source says 18")
    assert d.forced and any("numbers lost: 17" in m for m in d.qa)
    assert q.get(it.id).history[-1].forced


def test_accept_refused_when_proposal_leaves_a_variant(q, aliases):
    (row,) = q.backend.execute("SELECT id, proposal FROM items ORDER BY id LIMIT 1")
    # An item whose proposal still holds a known variant fails the alias check.
    q.backend.execute(
        "UPDATE items SET proposal = proposal || ' Ruan Chunfu' WHERE id=?", (row["id"],)
    )
    with pytest.raises(QueueError, match="known variant left: 'Ruan Chunfu'"):
        q.decide(row["id"], "accept", "an")


def test_edit_requires_text_and_reviewer_required(q):
    it = q.claim("an")
    with pytest.raises(QueueError, match="needs the final text"):
        q.decide(it.id, "edit", "an", final_text="  ")
    with pytest.raises(QueueError, match="reviewer name is required"):
        q.decide(it.id, "accept", "")
    with pytest.raises(QueueError, match="no item 9999"):
        q.get(9999)


def test_old_spine_queue_is_upgraded_in_place(tmp_path):  # SQLite only: files from before
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
        segment_id TEXT NOT NULL, doc_id TEXT NOT NULL, text TEXT NOT NULL, proposal TEXT NOT NULL,
        context_before TEXT NOT NULL DEFAULT '', context_after TEXT NOT NULL DEFAULT '',
        score REAL NOT NULL, spans TEXT NOT NULL, source TEXT NOT NULL, model TEXT NOT NULL,
        alias_digest TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
        created_at REAL NOT NULL);
        CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, item_id INTEGER NOT NULL,
        action TEXT NOT NULL, final_text TEXT, reviewer TEXT NOT NULL, comment TEXT,
        created_at REAL NOT NULL);"""
    )
    spans = json.dumps([{"start": 0, "end": 4, "category": "alias", "text": "Ruan"}])
    db.execute(
        "INSERT INTO items (key, segment_id, doc_id, text, proposal, score, spans, source, model, "
        "alias_digest, created_at) VALUES ('k','d#0','d','Ruan nói.','Phúc nói.',0.9,?,'alias',"
        "'alias-v1','abc',0)",
        (spans,),
    )
    db.commit()
    db.close()
    with Queue(path) as q:
        (it,) = q.items()
        assert it.categories == ("alias",) and it.start is None
        assert q.claim("an", category="alias").id == it.id
        q.decide(it.id, "accept", "an")


def test_not_a_queue_and_missing_queue_are_clear_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(QueueError, match="cannot open review queue"):
        Queue(junk)
    with pytest.raises(QueueError, match="no review queue here; create one"):
        Queue(tmp_path / "none.db", must_exist=True)


def test_word_diff_and_hter():
    assert word_edit_distance("ông Ruan Chunfu nói", "ông Nguyễn Xuân Phúc nói") == 3
    assert hter("a b c d", "a b c d") == 0.0
    assert hter("ông Ruan Chunfu nói", "ông Nguyễn Xuân Phúc nói") == 0.6
    ops = [c for c in word_changes("ông Ruan Chunfu nói.", "ông Nguyễn Xuân Phúc nói.")
           if c.op != "equal"]
    assert ops[0].old == ("Ruan", "Chunfu") and ops[0].new == ("Nguyễn", "Xuân", "Phúc")
    assert diff_html("báo cáo February 17, Nguyễn", "báo cáo ngày 17/2, Nguyễn") == (
        'báo cáo <del class="rv-del">February</del> <ins class="rv-ins">ngày</ins> '
        '17<ins class="rv-ins">/2</ins>, Nguyễn'
    )
    assert diff_html("a <b> c.", "a c.") == 'a <del class="rv-del">&lt;b&gt;</del> c.'


def test_stats_report_time_and_hter_per_reviewer(q):
    a = q.claim("an")
    q.decide(a.id, "accept", "an")
    b = q.claim("binh")
    words = b.proposal.split()
    words[-1] = "đã sửa" + words[-1][-1]
    q.decide(b.id, "edit", "binh", final_text=" ".join(words), force=True)
    c = q.claim("binh")
    q.decide(c.id, "skip", "binh")
    stats = queue_stats(q)
    assert stats.status == {"accepted": 1, "edited": 1, "pending": 18}
    assert stats.reviewers["an"].decided == 1 and stats.reviewers["an"].mean_hter == 0.0
    binh = stats.reviewers["binh"]
    assert binh.decided == 1 and binh.actions["skip"] == 1 and binh.mean_hter > 0
    assert all(e.seconds is not None and e.seconds >= 0 for e in stats.items)
    assert sum(d["done"] for d in stats.documents.values()) == 2


def test_a_queue_opened_in_one_thread_works_from_another(q):
    # Jupyter's kernel runs some widget callbacks in another thread than the cell that opened
    # the queue (the browser test found this: typing in the edit box failed on SQLite).
    from concurrent.futures import ThreadPoolExecutor

    def review(reviewer):
        it = q.claim(reviewer)
        return q.decide(it.id, "accept", reviewer).item_id

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(review, ["an", "binh", "chi", "dung"]))
    assert len(set(done)) == 4 and q.counts() == {"accepted": 4, "pending": 16}

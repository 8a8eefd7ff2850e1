"""The review session and its widgets, driven as a reviewer would: buttons, keys, edit box."""

import pytest

from repair.errors import QueueError
from repair.notebook.session import ReviewSession, SessionFilters
from repair.notebook.ui import ReviewWidget, review_widget
from repair.review import Queue


@pytest.fixture
def ui(queue_path, aliases):  # noqa: F811
    return review_widget(queue_path, "an", aliases=aliases)


def test_view_shows_context_diff_spans_qa_and_progress(ui):
    item = ui.session.current
    html = ui.view.value
    assert item is not None and ui.editor.value == item.proposal
    assert '<del class="rv-del">' in html and '<ins class="rv-ins">' in html
    for cat in item.categories:
        assert f'class="rv-span rv-cat-{cat}"' in html
    assert "QA: all checks pass" in html
    assert "0</b> done, <b>20</b> left" in html
    assert item.context_after[:30] in html.replace("&quot;", '"')
    assert ui.progress.max == 20 and ui.progress.value == 0


def test_buttons_and_edit_box_record_decisions(ui, queue_path, aliases):  # noqa: F811
    first = ui.session.current
    ui.buttons["accept"].click()
    assert ui.message.value == f"accept item {first.id}"
    second = ui.session.current
    assert second.id != first.id and ui.editor.value == second.proposal
    ui.editor.value = second.proposal + " Thêm."
    assert "<ins" in ui.view.value and "Thêm" in ui.view.value
    ui.comment.value = "thêm câu"
    ui.buttons["edit"].click()
    third = ui.session.current
    ui.buttons["reject"].click()
    ui.buttons["skip"].click()
    assert ui.progress.value == 3
    with Queue(queue_path) as q:
        assert q.get(first.id).status == "accepted"
        edited = q.get(second.id)
        assert edited.final_text == second.proposal + " Thêm."
        assert edited.history[-1].comment == "thêm câu" and edited.history[-1].seconds >= 0
        assert q.get(third.id).status == "rejected"
        assert [d.action for d in q.decisions()] == ["accept", "edit", "reject", "skip"]


def test_keyboard_undo_and_qa_gate(ui, queue_path):  # noqa: F811
    first = ui.session.current
    ui.keys.value = "a"
    assert ui.keys.value == "" and ui.session.current.id != first.id
    ui.keys.value = "u"  # undo brings the item back
    assert ui.session.current.id == first.id and ui.message.value == f"undo item {first.id}"
    ui.editor.value = first.proposal.replace("17", "18")
    assert "numbers lost: 17" in ui.view.value
    ui.keys.value = "e"
    assert "fails the QA gate" in ui.message.value and ui.session.current.id == first.id
    ui.keys.value = "f"
    assert ui.force.value is True
    ui.buttons["edit"].click()
    assert ui.message.value == f"edit item {first.id} (forced)" and ui.force.value is False
    with Queue(queue_path) as q:
        assert q.get(first.id).history[-1].forced


def test_filters_change_the_claimed_item(ui):
    ui.category.value = "duplicate"
    assert "duplicate" in ui.session.current.categories
    ui.score.value = (0.0, 0.01)
    assert ui.session.current is None
    assert "Nothing left to review" in ui.view.value
    assert ui.buttons["accept"].disabled and not ui.buttons["undo"].disabled
    ui.buttons["accept"].click()  # disabled in the browser; a direct click is harmless
    ui.score.value = (0.0, 1.0)
    ui.category.value = None
    ui.order.value = "uncertainty"
    assert ui.session.current is not None


def test_two_sessions_never_show_the_same_item(queue_path, aliases):  # noqa: F811
    a = ReviewSession(queue_path, "an", aliases=aliases)
    b = ReviewSession(queue_path, "binh", aliases=aliases, filters=SessionFilters())
    seen = set()
    while a.current or b.current:
        for s in (a, b):
            if s.current:
                assert s.current.id not in seen
                seen.add(s.current.id)
                s.reject()
    assert len(seen) == 20
    with pytest.raises(QueueError, match="queue .* is done"):
        a.accept()
    assert ReviewWidget(a).view.value.count("Nothing left") == 1


def test_summary_stays_short_on_a_big_queue(tmp_path, settings, aliases, new_queue):
    from .review_support import synthetic_queue

    db = synthetic_queue(tmp_path, settings, 300, new_queue)  # 300 one-sentence documents
    s = ReviewSession(db, "an", aliases=aliases, filters=SessionFilters(order="document"))
    for _ in range(3):
        s.accept(force=True)
    summary = s.summary(top=5)
    text = repr(summary)
    lines = text.splitlines()
    assert lines[0] == "300 items: 3 decided, 297 left (accepted 3, pending 297)"
    assert lines[1] == "300 documents, 3 fully reviewed"
    assert len(lines) == 3 + 5 and len(text) < 600
    # documents with the most left first, ties by name: the first three are done
    assert [t[0] for t in summary.top] == ["s0003", "s0004", "s0005", "s0006", "s0007"]
    assert s.progress()["done"] == 3 and s.progress()["left"] == 297
    assert "297 left" in summary._repr_html_()


def test_uncertainty_order_uses_the_detector_threshold_in_force(tmp_path, aliases):
    """Closest to the threshold first means the detector's own threshold (0.93 for the
    shipped model), not 0.5."""
    from repair.detect import Detection
    from repair.notebook.session import detector_threshold
    from repair.rewrite import Proposal
    from repair.text import Segment

    threshold = detector_threshold()
    scores = [0.52, 0.91, 0.99]
    props = []
    for i, sc in enumerate(scores):
        seg = Segment(f"d{i}#0", f"d{i}", f"Câu số {i} and.", 0, 10, 0)
        props.append(Proposal(Detection(seg, sc, True, ()), f"Câu số {i} và.", "alias",
                              "alias-v1", 0.1, False))
    db = tmp_path / "q.db"
    with Queue(db, aliases=aliases) as q:
        q.add(props, aliases.digest)
    s = ReviewSession(db, "an", aliases=aliases, filters=SessionFilters(order="uncertainty"))
    assert s.current.score == min(scores, key=lambda x: abs(x - threshold)) == 0.91
    s2 = ReviewSession(db, "binh", aliases=aliases,
                       filters=SessionFilters(order="uncertainty", threshold=0.5))
    assert s2.current.score == 0.52  # an explicit threshold still wins


@pytest.mark.parametrize("span, title", [
    ({"start": 4, "end": 13, "category": "name", "evidence": "English word 'canon' after a "
      "Vietnamese name syllable"}, 'title="name: English word &#x27;canon&#x27; after'),
    ({"start": 4, "end": 13, "category": "alias"}, 'title="alias"'),
])
def test_span_marks_carry_their_evidence(span, title):
    from repair.notebook.session import highlight_spans

    html = highlight_spans("Ông Tây canon <b>", [span])
    assert title in html and "&lt;b&gt;" in html and "<sup>" in html

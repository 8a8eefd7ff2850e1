"""notebooks/review.ipynb runs headless against a temporary queue, and its widget works."""


import nbformat
from nbclient import NotebookClient

from repair.review import Queue

from .conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "review.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_notebook_executes_and_records_a_click(queue_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("REPAIR_QUEUE", str(queue_path))
    monkeypatch.setenv("REPAIR_REVIEWER", "notebook-ci")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    # what a reviewer does next: click Accept, then Undo, then Accept again
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "first = ui.session.current.id\n"
            'ui.buttons["accept"].click()\n'
            'ui.buttons["undo"].click()\n'
            'ui.buttons["accept"].click()\n'
            "print(first, ui.message.value)"
        )
    )
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    widget_cell = nb.cells[2]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in widget_cell.outputs)
    assert nb.cells[3].outputs[0]["data"]["text/plain"].startswith("20 items: 0 decided, 20 left")
    first, message = nb.cells[4].outputs[0]["text"].split(" ", 1)
    assert message.strip() == f"accept item {first}"
    with Queue(queue_path) as q:
        item = q.get(int(first))
        assert item.status == "accepted"
        assert [(d.action, d.reviewer) for d in item.history] == [
            ("accept", "notebook-ci"), ("undo", "notebook-ci"), ("accept", "notebook-ci")
        ]

"""Render the reviewer view for docs/review.png: the same HTML the notebook widget shows.

Usage: .venv/bin/python notebooks/render_view.py OUT.html
(then: chromium --headless --no-sandbox --disable-gpu --screenshot=docs/review.png
 --window-size=1200,640 file://$PWD/OUT.html)
"""

import sys
import tempfile
from pathlib import Path

from repair.config import ROOT, load_settings
from repair.jobs import load_aliases, run_job
from repair.review.ui import review_widget


def main(out: str) -> None:
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "queue.db"
        from dataclasses import replace

        s = replace(settings, queue=replace(settings.queue, path=str(db)))
        run_job([ROOT / "samples" / "seeds"], Path(tmp) / "out.jsonl", s)
        ui = review_widget(db, "an", aliases=load_aliases(settings), order="score")
        item = ui.session.current
        ui.editor.value = item.proposal.replace("February 17", "ngày 17/2")  # a reviewer's edit
        page = (
            "<html><head><meta charset='utf-8'></head><body style='margin:16px'>"
            "<h3 style='font-family:system-ui'>repair review &mdash; notebooks/review.ipynb "
            "(HTML pane of the widget)</h3>"
            f"{ui.view.value}"
            "<div style='font-family:system-ui;font-size:13px;color:#555;margin-top:10px'>"
            "Below the pane the notebook shows the edit box (prefilled with the proposal) and "
            "the buttons Accept (a) · Reject (r) · Save edit (e) · Skip (s) · Undo (u), "
            "Force, comment, and filters by score, category and order.</div></body></html>"
        )
        Path(out).write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])

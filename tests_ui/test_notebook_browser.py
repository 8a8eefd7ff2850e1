"""notebooks/review.ipynb in JupyterLab, in headless Chromium, clicked as a reviewer would.

JupyterLab runs on localhost; Playwright drives Debian's chromium (no browser download).
The test runs the notebook, clicks Accept, types an edit into the edit box and saves it, and
reads the decisions back from the queue. With ``REPAIR_SCREENSHOT=docs/review.png`` it also
writes the screenshot of the live widgets that the README shows.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from repair import ROOT
from repair.config import load_settings
from repair.jobs import run_job
from repair.review import Queue

CHROMIUM = "/usr/bin/chromium"
# Known to work headless on these machines: no sandbox as root, no network beyond localhost.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TOKEN = "vi-repair-ui-test"
REVIEWER = "browser"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def queue(tmp_path) -> Path:
    """The sample queue, made by the real batch job with the transparent rules and alias
    proposals only (the items do not move when the proposers learn more)."""
    settings = load_settings()
    db = tmp_path / "queue.db"
    s = replace(
        settings,
        detect=replace(settings.detect, model=None, threshold=None),
        rewrite=replace(settings.rewrite, model=None, calques=None, dates=False),
        queue=replace(settings.queue, path=str(db)),
    )
    run_job([ROOT / "samples" / "seeds"], tmp_path / "out.jsonl", s)
    return db


@pytest.fixture
def lab(tmp_path, queue):
    """A JupyterLab server on a free localhost port, serving a copy of the notebook."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "review.ipynb", work / "review.ipynb")
    # no prompt about fetching Jupyter news over the closed network, over the screenshot
    settings = tmp_path / "jupyter-config" / "lab" / "user-settings" / "@jupyterlab"
    notes = settings / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True)
    notes.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port = _free_port()
    env = {
        **os.environ,
        "REPAIR_QUEUE": str(queue),
        "REPAIR_REVIEWER": REVIEWER,
        "REPAIR_ORDER": "score",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         "--LabApp.expose_app_in_browser=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5):
                break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                log.close()
                raise RuntimeError(
                    "JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()
                ) from None
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _item_id(page) -> int:
    meta = page.locator(".rv-meta").first.inner_text()
    return int(re.search(r"item (\d+)", meta).group(1))


def test_review_notebook_in_jupyterlab_accept_and_edit(lab, queue, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # each step waits on the kernel, on a busy machine

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 980})
        page.set_default_timeout(120_000)
        page.goto(f"{lab}/lab/tree/review.ipynb?token={TOKEN}")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel"
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

        accept = page.get_by_role("button", name="Accept (a)")
        expect(accept).to_be_visible()
        first = _item_id(page)
        accept.click()
        message = page.locator(".widget-html-content", has_text="accept item")
        expect(message).to_have_text(f"accept item {first}")

        expect(page.locator(".rv-meta").first).not_to_contain_text(f"item {first} ")
        second = _item_id(page)
        editor = page.locator(".widget-textarea textarea")
        proposal = editor.input_value()
        edited = proposal.rstrip(".") + " (đã biên tập)."
        editor.fill("")
        editor.press_sequentially(edited)  # typed key by key, as a reviewer would
        editor.blur()  # the edit box sends its value when it loses focus
        expect(page.locator(".rv-ins", has_text="biên")).to_be_visible()
        # the screenshot: JupyterLab with the live widgets, the typed edit's diff in the view
        shot = Path(os.environ.get("REPAIR_SCREENSHOT") or tmp_path / "review.png")
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
        page.locator(".widget-vbox").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(shot))
        page.get_by_role("button", name="Save edit (e)").click()
        expect(page.locator(".widget-html-content", has_text="edit item")).to_have_text(
            f"edit item {second}"
        )
        browser.close()

    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Queue(queue) as q:
        a, b = q.get(first), q.get(second)
        assert a.status == "accepted" and a.final_text == a.proposal
        assert [(d.action, d.reviewer) for d in a.history] == [("accept", REVIEWER)]
        assert b.status == "edited" and b.final_text == edited
        assert [(d.action, d.reviewer) for d in b.history] == [("edit", REVIEWER)]
        assert len(q.decisions()) == 2

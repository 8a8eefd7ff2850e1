# Two entry points do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UI_STAMP := $(VENV)/.installed-ui

.PHONY: demo test test-ui lint install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU torch first, so nothing below pulls a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/repair run samples/seeds --out out/seeds.jsonl --queue out/queue.db

test: $(STAMP)
	$(PY) -m pytest -q

# JupyterLab and Playwright, driving Debian's chromium (apt-get install chromium): no download.
$(UI_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[dev,notebook,ui-test]"
	touch $(UI_STAMP)

test-ui: $(UI_STAMP)
	$(PY) -m pytest -q tests_ui

lint: $(STAMP)
	$(VENV)/bin/ruff check repair tests

clean:
	rm -rf out build *.egg-info

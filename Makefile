# walletdesk — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
export WALLETDESK_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo serve install test lint typecheck unit eval bench system-deps clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/walletdesk demo --host $(HOST) --port $(PORT)

serve: install
	$(VENV)/bin/walletdesk serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/install-system-deps.sh

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

unit: install system-deps
	$(PY) -m pytest -n 2 --dist loadgroup

test: lint typecheck unit

eval: install
	$(PY) bench/eval_search.py
	$(PY) bench/eval_assistant.py --quiet
	$(PY) bench/eval_handover.py

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

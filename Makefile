# Cuutro: two commands for a newcomer (`make demo`, `make test`); the rest are for developers.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
# Django 6 needs Python >= 3.12. The first interpreter that really runs and is new enough wins
# (pyenv shims on PATH may exist and still refuse to run, hence the version probe).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 $$(ls -d $(PYENV_VERSIONS)/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$c; break; fi; done)

.PHONY: help demo test install messages lint typecheck browser-deps serve lock clean

help:
	@echo "make demo   - set up, load the demo scenario and serve on http://127.0.0.1:8000"
	@echo "make test   - the whole suite (lint, types, layering, unit, API, browser tests)"
	@echo "make lint   - ruff + mypy + import-linter only"
	@echo "make messages - refresh the translation catalogues from the source (needs gettext)"
	@echo "make lock   - re-resolve requirements.lock after changing pyproject.toml"

$(VENV)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
		echo "ERROR: Cuutro needs Python 3.12 or newer (Django 6)."; \
		echo "Install it (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed
	@mkdir -p var
	@$(MANAGE) compile_catalogues >/dev/null

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	@echo "Serving on http://127.0.0.1:8000  (Ctrl+C to stop)"
	$(MANAGE) runserver 127.0.0.1:8000

serve: install
	$(MANAGE) migrate --noinput
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Browser tests need Debian's chromium. Install it when we can (root + apt); otherwise the
# browser tests skip with a loud message, except under CI=true where they fail instead.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "!!! /usr/bin/chromium is missing and cannot be installed here: browser tests will be SKIPPED."; \
			echo "!!! Install it with: sudo apt-get install chromium"; \
		fi; fi

test: install browser-deps lint
	$(VENV)/bin/pytest

messages: install
	$(MANAGE) makemessages -l vi -l en --no-obsolete --ignore=".venv/*" --ignore="tests/*" --ignore="bench/*" --ignore="var/*"
	$(PY) -m cuutro.lib.catalogues fill-english
	$(MANAGE) compile_catalogues

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -p $(PY) -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

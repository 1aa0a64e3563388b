# SOXP Portal: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite on every core, a file to a worker (a module's set-up is built once), and where the time goes.
PYTEST_ARGS ?= -n auto --dist loadfile --durations=50

.PHONY: help install system-packages test-packages run test test-postgres check bench bench-surge screenshots clean

help:
	@echo "make run            install, migrate, load the 2003 and 2009 offers and their demos, serve on $(HOST):$(PORT)"
	@echo "make test           install and run the whole test suite (SQLite)"
	@echo "make test-postgres  the same suite on this machine's PostgreSQL 15"
	@echo "make check          lint, import contract, missing migrations"
	@echo "make bench          benchmarks under bench/ (results in docs/performance.md)"
	@echo "make bench-surge    the deadline hour: gunicorn + PostgreSQL under load (about 40 minutes)"
	@echo "make screenshots    screenshots of the pages in docs/screenshots/"

# A Python >= 3.12 (Django 6 refuses older ones), found by scripts/find-python.
$(STAMP): pyproject.toml scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: system-packages $(STAMP)

# Debian libraries WeasyPrint uses (libharfbuzz-subset0 makes it about 3x faster),
# poppler-utils for looking at PDFs, and Chromium for the browser tests (Playwright drives
# Debian's build; its own browser download is blocked here). Installed only where missing, as root.
system-packages:
	@scripts/system-packages libharfbuzz-subset0 poppler-utils

test-packages: system-packages node_modules/.installed
	@scripts/system-packages chromium

# axe-core for the browser tests' accessibility checks and oidc-provider (OpenID Certified) for the
# single sign-on tests: package.json pins them and `npm ci` installs exactly package-lock.json's versions. Debian's npm is installed only where there is no npm at all.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || scripts/system-packages npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata soxp-2003 exchange-2009
	$(PY) manage.py setup_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install test-packages
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install test-packages
	scripts/with-postgres $(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

bench: install
	scripts/with-postgres $(PY) bench/census.py --write  # SQLite, and PostgreSQL (started if down)
	$(PY) bench/audit.py --write

# gunicorn and PostgreSQL under the deadline hour's load (bench/surge.py); wrk comes from Debian.
bench-surge: install
	@scripts/system-packages wrk
	scripts/with-postgres $(PY) bench/surge.py --write

screenshots: install test-packages
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles

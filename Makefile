# Huddle — the README's commands. `make help` lists every target.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
TEST_WORKERS ?= 3

.DEFAULT_GOAL := help
.PHONY: help run test install install-dev browser wrk lint typecheck check bench demo-reset clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: install ## install, migrate, seed the demo when empty, and start on http://127.0.0.1:8000
	$(BIN)/huddle migrate
	$(BIN)/huddle demo --if-empty
	$(BIN)/huddle serve --no-migrate --host $(HOST) --port $(PORT)

test: install-dev browser ## install everything and run the whole test suite (TEST_WORKERS=3 processes)
	$(BIN)/pytest -n $(TEST_WORKERS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Huddle needs Python 3.11 or newer; run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[embedded]'
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed ## create .venv and install Huddle

install-dev: $(VENV)/.dev-installed ## install Huddle with the test and lint tools

browser: ## install Debian's Chromium for the browser tests, when missing and possible
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "note: Chromium is not installed; browser tests will be skipped (apt-get install chromium)"; fi; }

lint: install-dev ## ruff format check and ruff lint
	$(BIN)/ruff format --check service tests bench
	$(BIN)/ruff check service tests bench

typecheck: install-dev ## mypy on the package
	$(BIN)/mypy

check: lint typecheck ## lint and type-check

wrk: ## install Debian's wrk for the benchmarks, when missing and possible
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null; \
	  else echo "note: wrk is not installed; bench/write.py needs it (apt-get install wrk)"; fi; }

bench: install-dev wrk ## write path vs its floor on PostgreSQL + SQLite, rebuild; live fan-out; a year's import; board reads vs leaderboard-python; CRM messages/s; 20 live contests vs a plain update (BENCH_ARGS=--quick)
	$(BIN)/python bench/write.py $(BENCH_ARGS)
	$(BIN)/python bench/live.py
	$(BIN)/python bench/imports.py $(IMPORT_ARGS)
	$(BIN)/python bench/reads.py $(READS_ARGS)
	$(BIN)/python bench/crm.py $(CRM_ARGS)
	$(BIN)/python bench/contests.py $(CONTESTS_ARGS)

demo-reset: ## forget the local demo data (.huddle/)
	rm -rf .huddle

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output

# CONNECT DALLAS Ops: every set-up step lives here so a fresh clone needs nothing installed by hand.
# `make run` serves the demo; `make test` runs every test. See README.md for the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLI := $(BIN)/connect-dallas
HOST ?= 127.0.0.1
PORT ?= 8050
# pip reinstalls only when pyproject.toml changes (the stamp records its hash).
DEPS_STAMP := $(VENV)/.deps-$(shell (sha1sum pyproject.toml 2>/dev/null || echo none) | cut -c1-12)
TEST_STAMP := $(VENV)/.test-deps-$(shell (sha1sum pyproject.toml 2>/dev/null || echo none) | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run run-cluster serve setup test test-fast test-slow test-pg-restart test-browser bench lint wheel-check browser db clean help

help:
	@echo "make run        set up .venv, migrate + seed the SQLite demo, serve http://$(HOST):$(PORT)"
	@echo "make test       set up .venv + Chromium, run the whole suite (browser tests included; TEST_WORKERS=2)"
	@echo "make run-cluster PostgreSQL + Redis + two gunicorn app processes + a worker, in the foreground"
	@echo "make test-fast  the suite without browser and slow tests"
	@echo "make test-slow  the multi-process tests (servers, workers, PostgreSQL, Redis, SMTP sink)"
	@echo "make bench      benchmarks, figures beside same-run baselines (benchmarks/RESULTS.md)"
	@echo "make lint       ruff"
	@echo "make wheel-check build the wheel, install it (not editable) in a fresh venv, serve /healthz and /login from it"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEPS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@rm -f $(VENV)/.deps-*; touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.test-deps-* $(VENV)/.deps-*; touch $@; touch $(DEPS_STAMP)

setup: $(DEPS_STAMP)

db: setup
	$(CLI) init-db
	$(CLI) seed-demo --if-empty

# In demo mode the camera simulator (live.simulator_url) serves the demo's live cameras, offline;
# it stops with the server.
run: db
	@$(CLI) simulate-cameras --demo & sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	$(CLI) serve --host $(HOST) --port $(PORT)

# The multi-process deployment on this machine (docs/deployment.md); Ctrl-C stops it.
run-cluster: setup
	deploy/run-cluster.sh

# Debian's chromium + chromium-driver, installed when missing (CI runs as root).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing chromium + chromium-driver with apt"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The quick tests on TEST_WORKERS processes (pytest-xdist; each worker has its own PostgreSQL
# database), then the browser and multi-process tests one at a time: they time real things
# (streams, timeouts, servers) and are kept off a CPU the other tests share. Both always run;
# pytest's "no tests collected" (5) is not a failure when PYTEST_ARGS names one kind only.
TEST_WORKERS ?= 2
test: $(TEST_STAMP) browser
	@status=0; \
	$(BIN)/python -m pytest -m "not browser and not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	$(BIN)/python -m pytest -m "browser or slow" $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	exit $$status

# Quick: no browser, no multi-process or real-timeout tests (`make test` runs them all).
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Needs TEST_DATABASE_URL (PostgreSQL) and redis-server (.ci/run provides both).
test-slow: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "slow and not browser" $(PYTEST_ARGS)

# Restarts the whole PostgreSQL server: CI's last leg; never on a server others are using.
test-pg-restart: $(TEST_STAMP)
	PG_RESTART_TESTS=1 $(BIN)/python -m pytest -m pg_restart $(PYTEST_ARGS)

test-browser: $(TEST_STAMP) browser
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

bench: $(TEST_STAMP) browser
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check dashboard layouts callbacks auth assets tests benchmarks .ci

wheel-check: $(TEST_STAMP)
	$(BIN)/python .ci/wheel_check.py

clean:
	rm -rf $(VENV) build dist *.egg-info

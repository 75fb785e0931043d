# The README's two commands live here: `make run` and `make test`.
# Both create the virtual environment .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The CPU build of PyTorch, installed before sentence-transformers pulls a (multi-GB) CUDA build.
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint env clean

run: $(STAMP)  ## serve Cartwise on 127.0.0.1:8000 (builds the demo data and store when missing)
	$(BIN)/cartwise serve

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## every benchmark -> BENCHMARKS.md; SCALE=full for Instacart scale (~30 min)
	$(BIN)/cartwise bench --scale $(or $(SCALE),small)

lint: $(STAMP)
	$(BIN)/ruff check cartwise tests benchmarks

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .cartwise .pytest_cache

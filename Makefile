# The two README commands: `make demo` (set up + run the main job) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Where `make demo` serves Datasette: `make demo PORT=8080`, `make demo HOST=0.0.0.0 PORT=8080`
HOST ?= 127.0.0.1
PORT ?= 8001

.PHONY: demo test lint clean

$(BIN)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The tests also exercise the optional stanza adapter: torch==2.13.0 comes from the local CPU
# wheel (pip's find-links); the demo does not need it.
$(BIN)/.installed-stanza: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev,stanza]'
	touch $@

# exec: make's shell is replaced by pantau, so a signal to it reaches pantau directly
demo: $(BIN)/.installed
	exec $(BIN)/pantau demo --host $(HOST) --port $(PORT)

test: $(BIN)/.installed-stanza
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) pantau-data .pytest_cache .ruff_cache

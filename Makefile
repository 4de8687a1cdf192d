# The two README commands: `make demo` (set up + run the main job) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The tests also exercise the optional stanza adapter: torch==2.13.0 comes from the local CPU
# wheel (pip's find-links); the demo does not need it.
$(BIN)/.installed-stanza: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev,stanza]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/pantau demo

test: $(BIN)/.installed-stanza
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) pantau-data .pytest_cache .ruff_cache

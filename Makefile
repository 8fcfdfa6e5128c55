# ECERP: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Start ECERP on http://127.0.0.1:8000 (SQLite in var/, demo data on first start).
run: $(STAMP)
	$(BIN)/ecerp serve

## Run the whole test suite (SQLite; set ECERP_TEST_DATABASE_URL=postgresql://... for PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	ECERP_TESTING=1 $(BIN)/pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) build src/*.egg-info

# Quickstart targets: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/backoffice: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/backoffice

demo: $(BIN)/backoffice
	$(BIN)/backoffice demo demo/backoffice-demo.xlsx --force

test: $(BIN)/backoffice
	tests/setup/ensure-libreoffice.sh
	tests/setup/ensure-libreoffice-python.sh
	$(BIN)/python -m pytest

lint: $(BIN)/backoffice
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(BIN)/backoffice
	$(BIN)/python benchmarks/read_1m_orders.py
	$(BIN)/python benchmarks/udf_validate.py

clean:
	rm -rf $(VENV) demo build *.egg-info

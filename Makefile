# ClaimDesk: `make run` serves the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run PORT=8100 HOST=0.0.0.0` serves elsewhere.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck format messages bench demo clean syscheck

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compiled catalogues (.mo) are committed; this refreshes them after editing a .po file.
messages: $(STAMP)
	@bin/system-packages gettext
	cd src/claimdesk && ../../$(BIN)/claimdesk makemessages -l zh_Hans -l en --no-obsolete -v 0
	cd src/claimdesk && ../../$(BIN)/claimdesk compilemessages -v 0

# The Debian packages the product needs (bin/system-packages has the list and the reasons):
# all the missing ones installed in one step as root with apt, else the one command to run.
syscheck:
	@bin/system-packages

run: syscheck $(STAMP)
	$(BIN)/claimdesk run --host $(HOST) --port $(PORT)

test: syscheck $(STAMP)
	$(BIN)/ruff check src tests bench
	cd src && ../$(BIN)/lint-imports ../pyproject.toml
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	cd src && ../$(BIN)/lint-imports ../pyproject.toml
	$(BIN)/ruff format --check src tests bench

# mypy with django-stubs over the files listed in pyproject.toml ([tool.mypy] files).
typecheck: $(STAMP)
	PYTHONPATH=src $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

demo: $(STAMP)
	$(BIN)/claimdesk migrate --noinput
	$(BIN)/claimdesk demo

bench: $(STAMP)
	$(BIN)/python bench/sweep.py

clean:
	rm -rf var $(VENV)

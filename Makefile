# ClaimDesk: `make run` serves the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compiled catalogues (.mo) are committed; this refreshes them after editing a .po file.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || { echo "missing system package: gettext (apt-get install gettext)"; exit 1; }
	cd src/claimdesk && ../../$(BIN)/claimdesk makemessages -l zh_Hans -l en --no-obsolete -v 0
	cd src/claimdesk && ../../$(BIN)/claimdesk compilemessages -v 0

run: $(STAMP)
	$(BIN)/claimdesk run

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

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

# ClaimDesk: `make run` serves the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck format messages bench demo clean syscheck

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

# The Debian packages the product needs (README): Chinese glyphs in pages and PDFs, and
# HarfBuzz's subsetter without which WeasyPrint takes 13 s a page. Said clearly, never skipped.
syscheck:
	@fc-list ':family=Noto Sans CJK SC' family 2>/dev/null | grep -q . || { echo "missing system package: fonts-noto-cjk (apt-get install fonts-noto-cjk)"; exit 1; }
	@/sbin/ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || { echo "missing system package: libharfbuzz-subset0 (apt-get install libharfbuzz-subset0)"; exit 1; }
	@command -v pdftoppm >/dev/null || { echo "missing system package: poppler-utils (apt-get install poppler-utils)"; exit 1; }

run: $(STAMP) syscheck
	$(BIN)/claimdesk run

test: $(STAMP) syscheck
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

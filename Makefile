# portal-bot: the commands the README names. CI (.ci/run) calls the same targets.
#   make demo   set up, make sure a browser exists, run the main job on the sample cohort
#   make test   set up, then ruff, mypy and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup browser lint typecheck test unit demo bench clean screenshots recording messages

help:
	@echo "make demo | make test | make setup | make browser | make lint | make typecheck | make bench | make messages"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Playwright's own Chromium where installed, else the system one; installs one when neither exists.
browser: setup
	$(BIN)/portal-bot browser ensure

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

test: setup browser lint typecheck
	$(BIN)/python -m pytest

unit: setup
	$(BIN)/python -m pytest tests -m "not browser"

demo: setup browser
	$(BIN)/python -m portal_bot.demo

bench: setup browser
	$(BIN)/python -m bench

# The message catalogs (Babel): extract the texts from the code and templates into the .pot, merge
# it into the Chinese .po (translate the new empty entries there), compile the .mo that is shipped.
# tests/unit/test_catalog.py fails while one of the three lags the code.
LOCALE := src/portal_bot/locale
messages: setup
	$(BIN)/pybabel --quiet extract -F babel.cfg --no-location --sort-output --width 110 \
		--project portal-bot -o $(LOCALE)/portal_bot.pot src/portal_bot
	$(BIN)/pybabel --quiet update -i $(LOCALE)/portal_bot.pot -d $(LOCALE) -D portal_bot -l zh_CN \
		--width 110 --no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -D portal_bot -l zh_CN

# Screenshots of every mock-portal page for docs/mock-portal.md (a browser test writes them).
screenshots: setup browser
	PORTAL_BOT_SCREENSHOTS_DIR=docs/mock-portal $(BIN)/python -m pytest -q tests/browser/test_mock_portal_walk.py

# The checked-in recording of the mock portal's pages (fixtures/recordings/mock-v0), made by a
# --record registration of one sample candidate; CI checks the flows against it.
recording: setup browser
	$(BIN)/python -m portal_bot.recording.fixture

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

# Plenary: `make run` serves the demo on http://127.0.0.1:8000 (`make run HOST=… PORT=…` elsewhere: links in
# emails and feeds follow unless BASE_URL is set), `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install translations migrate demo lint format browser-test test-postgres bench bench-exports messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d app/translations -D messages

migrate: $(STAMP)
	$(BIN)/python -m app migrate

demo: migrate
	$(BIN)/python -m app load-demo

run: demo translations
	$(BIN)/python -m app serve --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(BIN)/python -m pytest -q; status=$$?; [ $$status -eq 5 ] && echo "no tests ran" >&2; exit $$status

browser-test: $(STAMP) translations
	$(BIN)/python -m pytest -q -m browser; status=$$?; [ $$status -eq 5 ] && echo "no browser tests ran" >&2; exit $$status

test-postgres: $(STAMP) translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://root@127.0.0.1/test} $(BIN)/python -m pytest -q -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/programme_bench.py

bench-exports: $(STAMP)
	$(BIN)/python bench/exports_bench.py

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -o app/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i app/translations/messages.pot -d app/translations -D messages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

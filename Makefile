# Plenary: `make run` serves the demo on http://127.0.0.1:8000 (`make run HOST=… PORT=…` elsewhere: links in
# emails and feeds follow unless BASE_URL is set), `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lock hooks check-migrations translations migrate demo lint format browser-test test-postgres bench bench-exports messages clean

# Installs exactly what requirements-dev.lock says (versions and hashes), then Plenary itself without
# resolving anything again; `pip check` fails when pyproject.toml asks for something the lock lacks
# (run `make lock`).
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

# Rewrites the lock files from pyproject.toml: requirements.lock (what the app runs on, used by the
# Dockerfile) and requirements-dev.lock (that plus the dev extra, at the same versions). Versions already
# locked are kept; `make lock LOCK_FLAGS=--upgrade` moves everything to the newest release, and
# `LOCK_FLAGS="--upgrade-package NAME"` one package. Locked for the oldest Python that pyproject.toml allows.
UV_VERSION := 0.13.9
LOCK_PYTHON := 3.11
LOCK_FLAGS ?=
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version $(LOCK_PYTHON) --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_FLAGS)

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) pyproject.toml -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock pyproject.toml -o requirements-dev.lock

# Git hooks: ruff and lint-imports before each commit (.pre-commit-config.yaml).
hooks: $(STAMP)
	$(BIN)/pre-commit install

# `alembic check` on a new SQLite database at head: fails when a model changed and no migration says so.
CHECK_DB := sqlite:///$(VENV)/check-migrations.sqlite3

check-migrations: $(STAMP)
	rm -f $(VENV)/check-migrations.sqlite3
	DATABASE_URL=$(CHECK_DB) $(BIN)/alembic upgrade head
	DATABASE_URL=$(CHECK_DB) $(BIN)/alembic check

translations: $(STAMP)
	$(BIN)/pybabel compile -d app/translations -D messages

migrate: $(STAMP)
	$(BIN)/python -m app migrate

demo: migrate
	$(BIN)/python -m app load-demo

# serve works off the embedded task queue itself (no second process to start or stop): Ctrl-C stops both.
run: demo translations
	$(BIN)/python -m app serve --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist): `make test TEST_WORKERS=0` runs it in one process, and
# `$(BIN)/python -m pytest tests/path/test_file.py::test_name` runs one test.
TEST_WORKERS ?= auto

test: $(STAMP) translations
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS); status=$$?; [ $$status -eq 5 ] && echo "no tests ran" >&2; exit $$status

browser-test: $(STAMP) translations
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m browser; status=$$?; [ $$status -eq 5 ] && echo "no browser tests ran" >&2; exit $$status

# One process: every test shares the one database that TEST_DATABASE_URL names and empties it after itself.
test-postgres: $(STAMP) translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://root@127.0.0.1/test} $(BIN)/python -m pytest -q -n 0 -m "not browser"

lint: $(STAMP) check-migrations
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

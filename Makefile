# AluMusic Insights — everyday commands. `make demo` and `make test` are the two that matter.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Tests run against the local PostgreSQL and Redis (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alumusic
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist processes (0 = in-process); each gets its own test database and Redis db
# (tests/conftest.py). A run that reports fewer tests than it collected fails
# (tests/plugins/every_test_reported.py), so a lost worker cannot leave a green summary.
# Three on two cores: the tests that start workers, servers and browsers spend much of their
# time waiting, and a third process fills it (docs/performance.md, "Tempo da suíte").
TEST_WORKERS ?= 3

.PHONY: setup demo test lint bench browser-deps lock clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

## demo: install, migrate (SQLite), create the curator, load demo comments, serve :8000
demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py refresh_report
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## browser-deps: Debian's Chromium for the screenshot tests (Playwright cannot download one here)
browser-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

## test: the whole suite against the local PostgreSQL and Redis, real Celery workers included
test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## bench: every DESIGN §8 figure against real gunicorn/Celery/PostgreSQL/Redis on 127.0.0.1
## (< 15 min); prints figure, target and ratio, writes bench/results.json (docs/performance.md)
BENCH_DATABASE_URL ?= $(TEST_DATABASE_URL)_bench
bench: setup
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/python -m benchmarks

## lock: refresh requirements.lock from the current environment
lock:
	$(BIN)/python -m pip freeze --exclude-editable --exclude alumusic-insights > requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles

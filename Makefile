# The README's commands. `make run` and `make test` set up everything they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WEB_ADDR ?= 127.0.0.1:8000

# The test suite runs on the production backends (PostgreSQL, RabbitMQ, Redis for the cache);
# override any URL from the environment.
TEST_DATABASE_URL ?= postgres://postgres@localhost:5432/insurance
TEST_BROKER_URL ?= amqp://guest:guest@localhost:5672//
TEST_CACHE_URL ?= redis://localhost:6379/0

.PHONY: run serve test lint bench clean browser
# Installing Debian packages needs root; elsewhere sudo asks.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@ $(VENV)/.installed-run

## run: install, migrate, load demo data, then web + worker + beat in the foreground (Ctrl-C stops all)
run: $(VENV)/.installed-run
	@$(MAKE) --no-print-directory serve

# serve: what `run` does once installed (the quick-start test drives this target).
serve:
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --base-url "http://$(WEB_ADDR)"
	PATH="$(abspath $(VENV))/bin:$$PATH" WEB_ADDR="$(WEB_ADDR)" $(VENV)/bin/honcho start -f Procfile

## test: lint, migrations check and the whole pytest suite on PostgreSQL, RabbitMQ and Redis
test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export CELERY_BROKER_URL ?= $(TEST_BROKER_URL)
test: export CACHE_URL ?= $(TEST_CACHE_URL)
# Each run's queue names (RabbitMQ) or keys (Redis) are its own, so runs sharing one broker
# never take each other's tasks; the run deletes its queues when it ends (tests/conftest.py).
test: export CELERY_BROKER_KEY_PREFIX ?= test-$(shell date +%s%N):
test: $(VENV)/.installed-dev browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	# Migrations are checked against the models only: an in-memory database needs no server.
	DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# The browser tests drive Debian's Chromium; the Chinese pages need a CJK font.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-wqy-zenhei; }

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/lint-imports

## bench: the benchmarks in bench/, each ending in one `BENCH <name> key=value ...` line
bench: $(VENV)/.installed-dev
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis

# The two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or later is needed"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python scripts/run.py

# Tests run with the development defaults (no HTTPS redirect) and a broker folder of their own:
# most in parallel processes, then the ones that start a Celery worker or a browser one at a
# time (they share the broker and the live server). Whole files go to one process, so a
# module-scoped fixture (the permission matrix's world) is built once.
TEST_ENV = DJANGO_DEBUG=$${DJANGO_DEBUG:-true} CELERY_FILESYSTEM_DIR=$${CELERY_FILESYSTEM_DIR:-var/test-broker}
TEST_WORKERS ?= auto
test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not worker and not browser" $(PYTEST_ARGS)
	$(TEST_ENV) $(BIN)/python -m pytest -m "worker or browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext; only for developers changing user-facing strings.
messages: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python scripts/messages.py

clean:
	rm -rf $(VENV) var

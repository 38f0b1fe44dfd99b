# The two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format messages lock clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or later is needed"'
	$(PYTHON) -m venv $(VENV)

# The lock, not the pins it was made from: every package, direct or not, at the version CI
# tested, and refused unless its file has one of the hashes recorded for it.
$(STAMP): $(BIN)/python requirements-dev.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
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

# Regenerate the locks from the pins in requirements*.txt (see README, Dependencies). PyPI
# alone, whatever this machine's pip configuration adds: the hashes are those of PyPI's
# files, so the locks install the same anywhere. The runtime lock constrains the dev lock,
# so both name the same versions of what they share.
PIP_TOOLS := var/pip-tools/bin
PYPI_ONLY = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null
COMPILE = $(PYPI_ONLY) $(PIP_TOOLS)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links
lock:
	test -x $(PIP_TOOLS)/pip-compile || ($(PYTHON) -m venv var/pip-tools && \
		$(PYPI_ONLY) $(PIP_TOOLS)/pip install --quiet pip-tools==7.7.0)
	$(COMPILE) -o requirements.lock requirements.txt
	$(COMPILE) -c requirements.lock -o requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) var

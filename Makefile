# The two commands of the README: `make run` (embedded quick start) and `make test` (the suite on
# PostgreSQL and Redis). Everything else is a helper for them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test lint bench venv fuzz

PORT ?= 8000

# Runtime only for `make run`; `make test` adds the development tools (requirements-dev.txt).
# --no-compile: Python compiles what it imports on first use; compiling every installed file ahead
# (OpenDP's, Django's, ...) was most of a first `make run`'s pip time (about 120 s against 34 s).
$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# PostgreSQL embedded in the virtualenv (data in .quickstart/pgdata) unless DATABASE_URL is set,
# the demo loaded once and brought up to today, a Celery worker with beat on a database broker,
# the site on 127.0.0.1:$(PORT). See demo/management/commands/quickstart.py.
run: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) quickstart --port $(PORT)

# The whole suite against PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); fails loudly if either
# is unreachable. One pytest-xdist process per core, each with its own test database and Redis db
# (config/settings/test.py); at most 4, each being a test database, a browser and servers of its own.
test: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest -n auto --maxprocesses=4

# Schema fuzzing of the whole API as every role: 30 examples per operation (OTBASY_FUZZ_EXAMPLES), the
# responses checked against the schema, and stateful runs along the inferred links. Long: tens of minutes.
fuzz: $(VENV)/.installed-dev
	OTBASY_FUZZ_FULL=1 $(PY) -m pytest -p no:cacheprovider tests/test_schema_fuzz.py

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .

bench: $(VENV)/.installed-dev
	$(PY) bench/run_all.py

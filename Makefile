# The two commands of the README: `make run` (embedded quick start) and `make test` (the suite on
# PostgreSQL and Redis). Everything else is a helper for them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test lint bench venv fuzz

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# SQLite, tasks in-process, about 2,000 demo children loaded once, demo logins printed.
run: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) demo_setup
	DJANGO_SETTINGS_MODULE=config.settings.local $(MANAGE) runserver 127.0.0.1:8000

# The whole suite against PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); fails loudly if either
# is unreachable.
test: $(VENV)/.installed
	$(PY) -m ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	$(PY) -m pytest

# Schema fuzzing of the whole API as every role: 30 examples per operation (OTBASY_FUZZ_EXAMPLES), the
# responses checked against the schema, and stateful runs along the inferred links. Long: tens of minutes.
fuzz: $(VENV)/.installed
	OTBASY_FUZZ_FULL=1 $(PY) -m pytest -p no:cacheprovider tests/test_schema_fuzz.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .

bench: $(VENV)/.installed
	$(PY) bench/run_all.py

# PartyPortal — `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-clock lint format messages messages-check check bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## run: install, migrate, load demo data and serve the portal and admin (embedded default unless DATABASE_URL/REDIS_URL)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	HOST=$(HOST) PORT=$(PORT) bin/serve

## test: the whole suite (PostgreSQL when DATABASE_URL is set; browser tests when chromium is installed)
test: install
	$(PY) -m pytest

## test-clock: the suite again with the process clock 400 days back (all but the browser and real-process tests,
## whose other processes keep the real time): a test that passes only near the day it was written fails here.
## On two workers (pytest-xdist), a module to a worker, each with its own test database and Redis database; then the
## transactional tests on their own (their flush would empty a worker's reference data for the tests after them).
CLOCK_BACK_DAYS ?= 400
test-clock: install
	$(PY) -m pytest -q -m "not slow and not browser and not transactional" --clock-back-days=$(CLOCK_BACK_DAYS) \
		-n 2 --dist loadscope
	$(PY) -m pytest -q -m "transactional and not slow and not browser" --clock-back-days=$(CLOCK_BACK_DAYS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

MAKEMESSAGES := $(MANAGE) makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'staticfiles/*' \
	--ignore 'artifacts/*' --no-obsolete --no-location --no-wrap

## messages: refresh the catalogues (zh_Hans, en) and compile them; needs gettext
messages: install
	$(MAKEMESSAGES)
	$(MANAGE) compilemessages --locale zh_Hans --locale en --ignore '.venv/*'

## messages-check: fail when the code has a string the catalogues lack (CI); the catalogues are left as they were,
## committed or not
messages-check: install
	@tmp=$$(mktemp -d); cp -r locale "$$tmp/"; \
	$(MAKEMESSAGES) >/dev/null; \
	diff -r -I 'POT-Creation-Date' "$$tmp/locale" locale > "$$tmp/diff"; status=$$?; \
	rm -rf locale; cp -r "$$tmp/locale" locale; \
	if [ $$status -ne 0 ]; then head -60 "$$tmp/diff"; rm -rf "$$tmp"; \
		echo "Run 'make messages' and translate the new strings."; exit 1; fi; \
	rm -rf "$$tmp"

check: install
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=partyportal.settings.production DJANGO_SECRET_KEY=ci-dummy-$$(date +%s)-not-a-real-secret-key-0123456789abcdef DJANGO_ALLOWED_HOSTS=portal.example SITE_URL=https://portal.example REDIS_URL=redis://127.0.0.1:6379/0 $(MANAGE) check --deploy --fail-level WARNING

## bench: seed a scaled data set on PostgreSQL and print `name: value unit` lines
bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/reportal
REDIS_URL_TEST ?= redis://127.0.0.1:6379

.PHONY: demo install install-dev system-test-deps services test test-sqlite test-postgres lint bench messages clean

demo: install
	$(BIN)/reportal demo

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/activate pyproject.toml $(wildcard setup.py)
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(VENV)/.installed

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install-dev: $(VENV)/.installed-dev

# Debian packages the tests drive: Chromium (browser tests), BIND and Unbound (RPZ tests), wrk (load bench).
system-test-deps:
	scripts/install-system-deps.sh

services:
	scripts/ensure-services.sh

# Lint first: ruff, and mypy with django-stubs over reportal/ (0 errors); a type error fails the run in seconds.
test: install-dev system-test-deps services
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	@echo "== Test suite on SQLite with the SQLite-backed broker =="
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL REPORTAL_DATA_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest -q

test-postgres:
	@echo "== Test suite on PostgreSQL + Redis =="
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL_TEST)/0 REDIS_URL=$(REDIS_URL_TEST)/1 \
		REPORTAL_DATA_DIR=$(CURDIR)/var/test-postgres $(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check reportal tests bench
	$(BIN)/mypy reportal

bench: install-dev
	$(BIN)/python bench/run_all.py

# Translation catalogues: each app with its own locale/ keeps its strings there (in the languages it already has);
# reportal/locale takes the rest (en es fr pt ar). Then fill the empty msgstr entries and run this again to compile.
LOCALE_APPS := $(patsubst reportal/%/locale,%,$(wildcard reportal/*/locale))
# The console script, not `python -m`: that would put the app folder on sys.path (hotline/queue.py hides `queue`).
MAKEMESSAGES := $(CURDIR)/$(BIN)/reportal makemessages --no-obsolete
messages:
	for app in $(LOCALE_APPS); do \
		(cd reportal/$$app && $(MAKEMESSAGES) $$(for lang in $$(ls locale); do printf -- '-l %s ' $$lang; done)) || exit 1; \
	done
	cd reportal && $(MAKEMESSAGES) -l en -l es -l fr -l pt -l ar --ignore=static $(addprefix --ignore=,$(LOCALE_APPS))
	cd reportal && $(CURDIR)/$(BIN)/reportal compilemessages

clean:
	rm -rf var build *.egg-info

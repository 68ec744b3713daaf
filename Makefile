# Huitong — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
DEMO_PASSWORD ?=
# The test suite runs against the real services on this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/huitong
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist workers for `make test` (one per core here); tests/conftest.py groups the
# tests that must share a worker and orders them (which --no-loadscope-reorder keeps).
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

.PHONY: install install-test js-tools run test lint ldap-server bench-ws bench-storm bench-upload bench-doc bench-search bench-archive bench-matrix bench-notice bench-stats chromium pdf-libs clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The web client's tools (eslint), pinned in package.json and package-lock.json, from the npm
# registry into node_modules/. The client itself has no build step.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

js-tools: node_modules/.installed

install-test: $(VENV)/.installed-test

run: install pdf-libs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo $(if $(DEMO_PASSWORD),--password '$(DEMO_PASSWORD)',--password-file var/demo_password)
	$(PY) manage.py serve --port $(PORT)

# Debian's Chromium for the browser tests (never a browser download of Playwright's own).
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; \
	  else echo "Chromium is missing: sudo apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji" >&2; exit 1; fi; }

# Debian's Pango and Noto CJK fonts, which the GB/T 9704 PDFs are laid out with (WeasyPrint),
# and poppler-utils (pdftotext, pdffonts) for the tests that read them.
pdf-libs:
	@{ ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list :lang=zh family | grep -q "Noto Serif CJK SC" \
	   && command -v pdftotext >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk poppler-utils >/dev/null; \
	  else echo "PDF libraries are missing: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk poppler-utils" >&2; exit 1; fi; }

# Debian's OpenLDAP server for the LDAP login tests, which start their own slapd on a loopback
# port with a temporary configuration; the package's own server is left unconfigured.
ldap-server:
	@test -x /usr/sbin/slapd || { \
	  if [ "$$(id -u)" = 0 ]; then echo "slapd slapd/no_configuration boolean true" | debconf-set-selections \
	    && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd >/dev/null; \
	  else echo "slapd is missing: sudo apt-get install slapd" >&2; exit 1; fi; }

lint: install-test js-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy hub bots search archive integrations
	node_modules/.bin/eslint static/js tests/js eslint.config.js

# The client's pure modules (router parsing, store, time) first: node's own test runner.
test: install-test chromium pdf-libs ldap-server
	node --test tests/js/
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HUITONG_REQUIRE_SERVICES=1 \
	  HUITONG_CONN_MAX_AGE=0 HUITONG_REDIS_PREFIX=test$$$$ \
	  $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

bench-ws: install-test
	$(PY) bench/ws_bench.py $(BENCH_ARGS)

# The "收到" storm (500 answerers, 500 listeners, 10 s) and a 5,000-socket reconnect storm on
# both topologies; figures, not pass/fail.
bench-storm: install-test
	$(PY) bench/storm_bench.py $(BENCH_ARGS)

# Daphne's RSS under a 40 MB, a chunked 300 MB and a declared 200 MB upload; figures only.
bench-upload: install-test
	$(PY) bench/upload_bench.py $(BENCH_ARGS)

# One document with a 5 MB attachment to 95 units (PostgreSQL + Redis); figures, not pass/fail.
bench-doc: install-test
	$(PY) bench/doc_bench.py $(BENCH_ARGS)

# The whoosh index beside PostgreSQL pg_trgm on 1,000,000 messages (BENCH_ARGS="--messages 100000"
# for a smaller run); figures, not pass/fail.
bench-search: install-test
	$(PY) bench/search_bench.py $(BENCH_ARGS)

# A notice to 900 people in 95 units and 900 presses of 收到 within 10 s (PostgreSQL + Redis).
bench-notice: install-test
	$(PY) bench/notice_bench.py $(BENCH_ARGS)

# A year of documents (3,000 copies a day) and GET /stats/documents over it; figures only.
bench-stats: install-test
	$(PY) bench/stats_bench.py $(BENCH_ARGS)

bench-archive: install-test
	$(PY) bench/archive_bench.py $(BENCH_ARGS)

# The Matrix bridge through a real Synapse: msg/s and p50/p99 latency both ways; figures only.
bench-matrix: install-test
	$(PY) bench/matrix_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var test-artifacts node_modules

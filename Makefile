# The two commands a newcomer runs:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo serve test lint browser postgres clean bench lock upgrade messages

# Exactly what CI tested: every package pinned with its hashes in requirements.lock,
# then the project itself on top (no dependency resolution at install time).
$(BIN)/exchange: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/exchange

setup: $(BIN)/exchange

# Set up, fill the embedded SQLite database with a demo lieu (first time only), serve.
demo: setup
	$(BIN)/exchange migrate
	-$(BIN)/exchange demo
	$(BIN)/exchange serve --host $(HOST) --port $(PORT)

serve: setup
	$(BIN)/exchange serve --host $(HOST) --port $(PORT)

# Chromium for the browser tests, poppler (pdftoppm) to render the label sheets and gettext
# (msgfmt --check on the catalogues):
# Debian's packages, when we may install them.
browser:
	@if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null && command -v msgfmt >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils gettext >/dev/null) \
		|| echo "Could not install Chromium and poppler: the tests that need them will say they were skipped."; \
	else echo "Chromium or poppler is not installed and this is not root: the tests that need them will say they were skipped."; fi

# PostgreSQL for the tests on the second engine, started when a local cluster is installed but down.
postgres:
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then :; \
	elif command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	else echo "PostgreSQL is not installed here: the tests will run on SQLite alone (and say so)."; fi

# Lint and format are checked first: CI holds them.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Set up and run the whole test suite on SQLite and PostgreSQL, on two processes (pytest-xdist):
# 5 minutes on an idle 2-core machine where one process took about twice that.
test: setup lint browser postgres
	$(BIN)/python -m pytest -n 2

# The words: extract the sentences from the code and templates (babel.cfg) into each language's
# catalogue, exchange/locale/<lang>/LC_MESSAGES/messages.po; translate the new ones there (Poedit,
# Weblate or a text editor). The app compiles the .po files when it starts.
messages: setup
	$(BIN)/python -m tools.messages

# requirements.lock from pyproject.toml: `make lock` after adding a dependency keeps the other
# pins; `make upgrade` moves every pin to the newest release allowed, then runs the tests.
LOCK_CMD = $(BIN)/uv pip compile pyproject.toml --extra test --extra bench --generate-hashes \
	--python-version 3.11 --quiet -o requirements.lock
$(BIN)/uv: | setup
	$(BIN)/pip install --quiet uv

lock: $(BIN)/uv
	$(LOCK_CMD)

upgrade: $(BIN)/uv
	$(LOCK_CMD) --upgrade
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(MAKE) test

# Benchmarks: a lieu of 100,000 items and 1,000,000 events on both engines (about 5 minutes), then
# a network of 300 lieux, 1,000,000 items and 10,000,000 events on PostgreSQL (about 20 minutes
# more on an idle 2-core machine). `make bench NETWORK=` measures the lieu alone.
NETWORK ?= --network
bench: setup postgres
	$(BIN)/python -m bench $(NETWORK)

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .hypothesis

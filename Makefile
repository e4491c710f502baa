# The two commands a newcomer runs:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo serve test browser postgres clean bench

$(BIN)/exchange: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/exchange

setup: $(BIN)/exchange

# Set up, fill the embedded SQLite database with a demo lieu (first time only), serve.
demo: setup
	$(BIN)/exchange migrate
	-$(BIN)/exchange demo
	$(BIN)/exchange serve --host $(HOST) --port $(PORT)

serve: setup
	$(BIN)/exchange serve --host $(HOST) --port $(PORT)

# Chromium for the browser tests and poppler (pdftoppm) to render the label sheets:
# Debian's packages, when we may install them.
browser:
	@if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null) \
		|| echo "Could not install Chromium and poppler: the tests that need them will say they were skipped."; \
	else echo "Chromium or poppler is not installed and this is not root: the tests that need them will say they were skipped."; fi

# PostgreSQL for the tests on the second engine, started when a local cluster is installed but down.
postgres:
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then :; \
	elif command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	else echo "PostgreSQL is not installed here: the tests will run on SQLite alone (and say so)."; fi

# Set up and run the whole test suite on SQLite and PostgreSQL.
test: setup browser postgres
	$(BIN)/python -m pytest

# Benchmarks at the scale of a network of lieux (100,000 items, 1,000,000 events), on both engines.
bench: setup postgres
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .hypothesis

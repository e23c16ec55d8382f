# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install browser allocator engines lint bundle bench vocab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## browser: Debian's chromium and chromedriver, which the page tests drive (tests/test_query_page.py,
## tests/test_pages.py), and a Japanese font so that pages in Japanese render (and screenshot) as text
browser:
	(command -v chromium && command -v chromedriver && fc-list :lang=ja | grep -q .) >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver fonts-ipafont-gothic)

## allocator: Debian's jemalloc, which the query workers preload (STIGRAPH_WORKER_ALLOCATOR; the engine is
## 15-40% faster with it); without it they fall back to the C library's malloc
allocator:
	(/sbin/ldconfig -p | grep -q libjemalloc.so.2) || ($(SUDO) apt-get update && $(SUDO) apt-get install -y libjemalloc2)

## engines: Debian's Virtuoso 7 (virtuoso-t, isql-vt), one of the external SPARQL engines the remote
## backend is tested on (tests/engines.py starts throwaway instances on free loopback ports; the
## package's own system instance is kept from starting by a policy-rc.d that refuses service starts
## during the install)
engines:
	(command -v virtuoso-t && command -v isql-vt) >/dev/null || ( \
	  $(SUDO) sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d' && \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7; \
	  status=$$?; $(SUDO) rm -f /usr/sbin/policy-rc.d; exit $$status)

## run: install, load the bundled graph into var/store, validate it, show stats and examples,
## then serve it at http://127.0.0.1:8000 (query page at /sparql; Ctrl-C stops)
run: install allocator
	$(BIN)/stigraph load-bundle
	$(BIN)/stigraph validate
	$(BIN)/stigraph stats
	@for q in queries/examples/*.rq; do echo "== $$q"; $(BIN)/stigraph query @$$q; done
	$(BIN)/stigraph serve

## test: lint, check the curated query catalogue, run the whole test suite (one pytest worker per core,
## each test file on one worker so its module fixtures, stores and servers are built once)
test: install browser allocator engines
	$(BIN)/ruff check src tests bench ontology/vocab/build.py
	$(BIN)/ruff format --check src tests bench
	$(BIN)/stigraph queries check
	$(BIN)/pytest -q -n auto --dist loadfile

lint: install
	$(BIN)/ruff check src tests bench ontology/vocab/build.py
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff format --check src tests bench

## bench: the load benchmark (see docs/performance.md)
bench: install
	$(BIN)/python bench/load.py --researchers 100000

## vocab: regenerate ontology/vocab from the KAKEN master tables (needs the shared data folder)
vocab: install
	$(BIN)/python ontology/vocab/build.py --kaken ../shared/data/kaken-jsps/master_xml --out ontology/vocab

clean:
	rm -rf var .pytest_cache .ruff_cache

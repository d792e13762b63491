# The README uses `make run` and `make test`; the rest are for maintainers.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# The CPU build of torch; pip finds it in the local wheel cache of our machines.
TORCH  ?= torch==2.13.0

.PHONY: install test-tools run demo serve test lint format typecheck check clean

$(STAMP): pyproject.toml
	./scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q '$(TORCH)'
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Swagger UI for /docs, Chart.js for the dashboard and axe-core for the browser tests (package-lock.json pins them); no
# install scripts (one dependency's would report the install to a vendor). Nothing is fetched at
# run time.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# /docs works offline: Swagger UI's files are served from the package (not committed: copied
# from the pinned npm package).
SWAGGER := src/hall/web/swagger
$(SWAGGER)/.installed: node_modules/.installed
	mkdir -p $(SWAGGER)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE $(SWAGGER)/
	touch $@

# The back office's dashboard draws its charts with Chart.js, served from the package too.
CHARTS := src/hall/admin/static/vendor
$(CHARTS)/.installed: node_modules/.installed
	mkdir -p $(CHARTS)
	cp node_modules/chart.js/dist/chart.umd.js $(CHARTS)/chart.umd.js
	cp node_modules/chart.js/LICENSE.md $(CHARTS)/chart.js-LICENSE.md
	touch $@

## install: create .venv and install hall with its test tools
install: $(STAMP) $(SWAGGER)/.installed $(CHARTS)/.installed

test-tools: install node_modules/.installed

## run: set up, load the demo catalogue into the SQLite store, serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/hall demo
	$(BIN)/hall serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/hall demo

## test: set up and run the whole test suite (pytest's "no tests collected" counts as a pass)
test: test-tools
	$(BIN)/pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]

## lint: ruff lint + format check, mypy strict
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

## check: lint, then test (what CI runs)
check: lint test

clean:
	rm -rf $(VENV) node_modules $(SWAGGER) $(CHARTS) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info

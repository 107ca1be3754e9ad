# Accord: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# The Nu HTML Checker the tests validate pages with (package.json; runs on Java).
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: run test lint fmt install migrate demo bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(VNU_JAR): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(VNU_JAR)

migrate: install
	$(BIN)/accord migrate --noinput

demo: migrate
	$(BIN)/accord demo

run: migrate
	$(BIN)/accord demo --print-logins
	PORT=$(PORT) $(BIN)/accord serve

# Chromium, Java and npm for the tests, installed when missing if make runs as root on Debian
# (scripts/system-packages names them otherwise); then the checker itself, from npm.
test: install
	scripts/system-packages test
	$(MAKE) --no-print-directory $(VNU_JAR)
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/accord makemigrations --check --dry-run
	$(BIN)/accord check

fmt: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	scripts/system-packages bench
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info node_modules

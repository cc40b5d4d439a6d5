# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` as is.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv lint test unit demo bench clean browser-deps docs

$(STAMP): pyproject.toml constraints.txt uv-excludes.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt --excludes uv-excludes.txt -e '.[dev]'
	touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint browser-deps
	$(BIN)/pytest

# Headless Chromium and its driver for tests/browser (Debian packages; never a downloaded browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

docs: venv
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

unit: venv
	$(BIN)/pytest -m "not integration"

demo: venv
	$(BIN)/python scripts/demo.py

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .demo test-output

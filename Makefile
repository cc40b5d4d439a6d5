# Every target sets up what it needs: a fresh clone runs `make demo` or `make test` as is.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Python caches compiled modules (__pycache__, ignored by git) even where the shell turns that off:
# this machine's shells set PYTHONDONTWRITEBYTECODE, under which every test process, Airflow CLI,
# task and scheduler compiled Airflow from source (`import airflow.models, airflow.sdk`: 3.7 s of
# CPU against 1.7 s with the cache; one dag.test() test's process spent 11.8 s in compile()).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: venv lint test test-serial unit coverage demo bench clean browser-deps docs matrix constraints

# The version matrix: every Airflow minor release the provider supports, tested at one patch each.
# 3.0-3.2 get their own environment in $(MATRIX_DIR) (unit and dag.test() suites); the newest, 3.3,
# is the main .venv (constraints.txt), which runs every suite. README and docs/compatibility.md name
# the same releases (tests/docs check it).
MATRIX := 3.0 3.1 3.2
AIRFLOW_3.0 := 3.0.6
AIRFLOW_3.1 := 3.1.8
AIRFLOW_3.2 := 3.2.2
AIRFLOW_3.3 := 3.3.2
# Each release's constraints resolve as of the day after its release, as Airflow's own published
# constraints do (newer pydantic/cadwyn break 3.1/3.2). Only what pyproject.toml needs newer than
# that day is exempt: common-compat and standard, and sqlglot (a test tool; older ones cannot parse
# the SQL Server statements), and urllib3 on 3.0 (NEWER_3.0). `make constraints` regenerates
# constraints/airflow-*.txt and constraints.txt.
RESOLVED_3.0 := 2025-08-30
RESOLVED_3.1 := 2026-03-12
RESOLVED_3.2 := 2026-05-30
NEWER_PROVIDERS := --exclude-newer-package apache-airflow-providers-common-compat=2026-10-25 \
	--exclude-newer-package apache-airflow-providers-standard=2026-10-25 \
	--exclude-newer-package sqlglot=2026-11-29
# urllib3 2.6.3 (2026-01-07), the floor that bounds decompression (pyproject.toml), came after 3.0's
# day: 3.0 resolves it at the floor, the later releases keep what their day gives.
NEWER_3.0 := --exclude-newer-package urllib3=2026-01-08
MATRIX_DIR := .matrix
MATRIX_STAMPS := $(foreach r,$(MATRIX),$(MATRIX_DIR)/airflow-$(r)/.installed)

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

# Every suite, each timed (wall and CPU, children included) by scripts/suite.sh; all run even when one
# fails, then scripts/test_summary.py prints per-suite and total times and how many tests ran against
# real servers (PostgreSQL, MariaDB, Redis, a real scheduler, Chromium) or stand-ins, and fails the
# run if any suite failed. pytest-xdist runs a suite's files on two workers where that pays (unit:
# 3:03 against 6:32 measured alone); each worker has its own AIRFLOW_HOME and metadata DB.
# The suites of one process each run alongside the parallel ones (matrix, unit, browser), so both
# cores stay busy to the end: the integration suite (a real scheduler, LocalExecutor and Celery
# deployments, mostly waiting on the scheduler's loops) on its own, and lint, docs and packaging one
# after another (`test-serial`); their output is printed whole at the end. ALONGSIDE=no runs them
# after the parallel suites instead, one at a time.
SUITES_DIR := $(CURDIR)/test-output/suites
SUITE := bash scripts/suite.sh $(SUITES_DIR)
PYTEST := $(BIN)/pytest -q -p no:cacheprovider
XDIST := -n 2 --dist loadfile
ALONGSIDE ?= yes
test:
	@rm -rf $(SUITES_DIR) && mkdir -p $(SUITES_DIR) && date +%s > $(SUITES_DIR)/started
	@$(SUITE) setup $(MAKE) --no-print-directory -j4 venv browser-deps $(MATRIX_STAMPS)
	@if [ "$(ALONGSIDE)" = yes ]; then \
		$(SUITE) integration $(PYTEST) tests/integration > $(SUITES_DIR)/integration.log 2>&1 & \
		$(MAKE) --no-print-directory test-serial > $(SUITES_DIR)/serial.log 2>&1 & \
	fi; \
	$(SUITE) matrix $(MAKE) --no-print-directory matrix; \
	$(SUITE) unit $(PYTEST) $(XDIST) tests/unit; \
	$(SUITE) browser $(PYTEST) $(XDIST) tests/browser; \
	if [ "$(ALONGSIDE)" = yes ]; then \
		wait; \
		echo "== lint, docs, packaging (ran alongside)"; cat $(SUITES_DIR)/serial.log; \
		echo "== integration (ran alongside)"; cat $(SUITES_DIR)/integration.log; \
	else \
		$(MAKE) --no-print-directory test-serial; \
		$(SUITE) integration $(PYTEST) tests/integration; \
	fi
	@$(BIN)/python scripts/test_summary.py $(SUITES_DIR)

# The single-process suites of `make test`, one after another (each timed; a failure is reported
# by scripts/test_summary.py at the end, after every suite ran).
test-serial:
	@$(SUITE) lint $(MAKE) --no-print-directory lint
	@$(SUITE) docs $(PYTEST) tests/docs
	@$(SUITE) packaging $(PYTEST) tests/packaging

# On each older release, the unit tests that depend on the Airflow release (marked airflow_release:
# dag.test(), the CLI, provider info, listener, policies, assets, the shims; tests/release_marker.py
# keeps the marking honest), with their dag.test() warehouse runs on SQLite only (--one-warehouse):
# the release-independent tests and the PostgreSQL/MariaDB dag.test() runs are proven once, on 3.3
# (`make test`'s unit suite), as are the real-scheduler, browser, docs and packaging suites. The
# releases run side by side (each waits on HTTP and databases much of the time, and uses its own
# AIRFLOW_HOME, ports and databases); each one's output is printed whole when all are done.
matrix: $(MATRIX_STAMPS)
	@start=$$(date +%s); \
	for r in $(MATRIX); do \
		$(SUITE) matrix-$$r $(MATRIX_DIR)/airflow-$$r/bin/python -m pytest -q -p no:cacheprovider $(XDIST) \
			-m airflow_release --one-warehouse tests/unit > $(MATRIX_DIR)/airflow-$$r/pytest.log 2>&1 & \
	done; wait; failed=0; \
	for r in $(MATRIX); do \
		echo "== Airflow $$r ($(MATRIX_DIR)/airflow-$$r)"; \
		cat $(MATRIX_DIR)/airflow-$$r/pytest.log; \
		[ "$$(cat $(SUITES_DIR)/matrix-$$r.rc)" = 0 ] || failed=1; \
	done; \
	echo "== matrix ($(MATRIX)): $$(( $$(date +%s) - start )) s"; exit $$failed

# A release's environment is rebuilt from scratch whenever its constraints or pyproject.toml change.
$(MATRIX_DIR)/airflow-%/.installed: constraints/airflow-%.txt pyproject.toml uv-excludes.txt | $(STAMP)
	rm -rf $(MATRIX_DIR)/airflow-$*
	$(BIN)/uv venv --quiet --python $(PYTHON) $(MATRIX_DIR)/airflow-$*
	$(BIN)/uv pip install --quiet --python $(MATRIX_DIR)/airflow-$*/bin/python -c $< \
		--excludes uv-excludes.txt -e '.[test]'
	touch $@

PIN := $(MATRIX_DIR)/pin.txt
constraints: $(STAMP)
	mkdir -p $(MATRIX_DIR)
	$(foreach r,$(MATRIX),echo "apache-airflow==$(AIRFLOW_$(r))" > $(PIN) && \
		$(BIN)/uv pip compile --quiet --upgrade pyproject.toml --extra test --python-version 3.11 -c $(PIN) \
			--exclude-newer $(RESOLVED_$(r)) $(NEWER_PROVIDERS) $(NEWER_$(r)) --no-header -o constraints/airflow-$(r).txt && \
		sed -i "1i # Airflow $(AIRFLOW_$(r)) as resolved on $(RESOLVED_$(r)): make constraints (see the Makefile)." \
			constraints/airflow-$(r).txt && ) true
	echo "apache-airflow==$(AIRFLOW_3.3)" > $(PIN)
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -c $(PIN) --no-header \
		-o constraints.txt
	sed -i "1i # Pinned versions the Makefile installs against: Airflow $(AIRFLOW_3.3) (make constraints)." \
		constraints.txt
	rm -f $(PIN)

# Headless Chromium and its driver for tests/browser (Debian packages; never a downloaded browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

docs: venv
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

unit: venv
	$(BIN)/pytest $(XDIST) -m "not integration"

# Package coverage of the unit suite (COVERAGE_SUITES to change it), counting every process the tests
# start: Airflow's CLI, DAG processor and task processes, the emulator (pyproject.toml's patch =
# subprocess, _exit, fork). Fails under 93 % overall; prints each module (none may be under 80 %).
COVERAGE_SUITES ?= tests/unit
COVERAGE_DIR := $(CURDIR)/test-output/coverage
coverage: venv
	rm -rf $(COVERAGE_DIR) && mkdir -p $(COVERAGE_DIR)
	COVERAGE_FILE=$(COVERAGE_DIR)/.coverage $(BIN)/coverage run -m pytest -q -p no:cacheprovider $(COVERAGE_SUITES)
	COVERAGE_FILE=$(COVERAGE_DIR)/.coverage $(BIN)/coverage combine -q $(COVERAGE_DIR)
	COVERAGE_FILE=$(COVERAGE_DIR)/.coverage $(BIN)/coverage report --fail-under=93
	COVERAGE_FILE=$(COVERAGE_DIR)/.coverage $(BIN)/python scripts/coverage_floor.py 80

demo: venv
	$(BIN)/python scripts/demo.py

bench: venv
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(MATRIX_DIR) build dist .pytest_cache .mypy_cache .ruff_cache .demo test-output

# The two commands of the README: `make demo` runs the main job, `make test` runs every test.
PYTHON ?= python3
UV := $(PYTHON) -m uv
export UV_PYTHON_DOWNLOADS := never
PYTEST_ARGS ?=

.PHONY: setup containers fmt lint test pytest demo bench clean

setup:  ## install uv when missing, then sync the environment from the lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --frozen --all-packages --compile-bytecode --quiet

containers:  ## podman for the container tests (apt-installed when missing; else they run on the host)
	@bash scripts/ensure-podman.sh >/dev/null

fmt: setup  ## format and auto-fix
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

lint: setup  ## ruff (lint + format check), mypy strict on axl/, the import layers (import-linter), the GitHub workflows (actionlint, zizmor)
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run actionlint
	$(UV) run zizmor --offline --quiet .github/workflows/

pytest: setup containers
	@bash scripts/ensure-test-tools.sh >/dev/null  # dot and Chromium (their tests skip without them)
	$(UV) run pytest -n auto $(PYTEST_ARGS)

test: lint pytest  ## the whole suite, as CI runs it

demo: setup  ## the main job: run the example workflow locally
	$(UV) run axl run local -m examples/iris_knn.py:IrisKNN

bench: setup  ## benchmarks/ (peers need: UV_PROJECT_ENVIRONMENT=... uv sync --group bench)
	$(UV) run python benchmarks/ir_build.py
	$(UV) run python benchmarks/runner_overhead.py
	$(UV) run python benchmarks/record_keeping.py
	$(UV) run python benchmarks/cache_rerun.py
	$(UV) run python benchmarks/argo_compile.py
	$(UV) run python benchmarks/kfp_compile.py
	$(UV) run python benchmarks/dagster_overhead.py
	$(UV) run python benchmarks/cold_start.py
	$(UV) run python benchmarks/cli_startup.py
	$(UV) run python benchmarks/io_handlers.py --check  # exit 1 past its bound (a regression check)
	$(UV) run python benchmarks/image_build.py  # needs podman

clean:
	rm -rf .axl .pytest_cache .mypy_cache .ruff_cache dist build

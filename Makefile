# Tasks of the template repository itself. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

JOBS ?= 2
BUILD_DIR ?= build

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: install
install: ## Install the template's dev tools (uv sync)
	uv sync

.PHONY: test
test: ## Run every template test: hooks, manifest and the whole option matrix
	uv run pytest -n $(JOBS) --dist loadgroup tests

.PHONY: test-fast
test-fast: ## Run the template tests that do not bake the matrix
	uv run pytest -n $(JOBS) --dist loadgroup tests -m "not matrix"

.PHONY: bake
bake: ## Bake the default project into ./build (ARGS="use_redis=false ..." to override)
	rm -rf $(BUILD_DIR)
	uv run cookiecutter --no-input -o $(BUILD_DIR) . $(ARGS)

.PHONY: bench
bench: ## Benchmark the default project against minimal baselines; writes docs/benchmarks.md (ARGS="--rounds 3 --only http,ws")
	uv run python -m bench $(ARGS)

.PHONY: lint
lint: ## Lint and format-check the hooks, tests and bench (ruff)
	uv run ruff check hooks tests bench
	uv run ruff format --check tests bench

.PHONY: fmt
fmt: ## Format the tests and bench, fix lint where safe (ruff)
	uv run ruff check --fix hooks tests bench
	uv run ruff format tests bench

.PHONY: clean
clean: ## Remove ./build and tool caches
	rm -rf $(BUILD_DIR) .pytest_cache .ruff_cache
	find hooks tests bench -name __pycache__ -type d -prune -exec rm -rf {} +

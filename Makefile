# Two commands matter: `make demo` and `make test`. Both bootstrap uv and the virtualenv
# on a fresh machine (only python3, pip and make are assumed).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_HOME := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null || echo $(UV_HOME)/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

.PHONY: demo test up down migrate lint format bootstrap clean

$(UV_HOME)/bin/uv:
	python3 -m venv $(UV_HOME) && $(UV_HOME)/bin/pip install --quiet uv \
		|| python3 -m pip install --quiet --prefix $(UV_HOME) uv

$(BIN)/orchestrator: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

bootstrap: $(BIN)/orchestrator

GATES ?=
SANDBOX ?=
# SANDBOX=docker: the engine at DOCKER_HOST, else the project's own (scripts/dockerd.sh, on runc
# unless SANDBOX_DOCKER_RUNTIME says otherwise), and the worker image built if its inputs changed.
demo: bootstrap  ## start the stack in the background and build a sample idea end to end
	@set -e; \
	if [ "$(SANDBOX)" = docker ]; then \
	  export SANDBOX_KIND=docker; \
	  if [ -z "$${DOCKER_HOST:-}" ]; then \
	    engine="$$(scripts/dockerd.sh start)" || { \
	      echo "make demo SANDBOX=docker: no Docker engine answers and none could be started" \
	        "(reason above); set DOCKER_HOST to a running engine or drop SANDBOX=docker" >&2; \
	      exit 1; }; \
	    export "$$engine"; \
	    export SANDBOX_DOCKER_RUNTIME="$${SANDBOX_DOCKER_RUNTIME:-runc}"; \
	  fi; \
	  $(BIN)/orchestrator image build; \
	elif [ -n "$(SANDBOX)" ]; then \
	  export SANDBOX_KIND=$(SANDBOX); \
	fi; \
	$(BIN)/orchestrator demo $(if $(GATES),--gate $(GATES))

test: bootstrap  ## the whole test suite (starts its own Temporal servers; PostgreSQL when CI=true)
	$(BIN)/pytest -q -p no:cacheprovider --durations=25

up: bootstrap  ## run the stack in the foreground (Ctrl-C stops it)
	$(BIN)/orchestrator up

down: bootstrap
	$(BIN)/orchestrator down

migrate: bootstrap  ## upgrade the database to the latest migration
	$(BIN)/orchestrator migrate

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core workflows activities adapters agents db services api cli worker bot bench

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .orchestrator

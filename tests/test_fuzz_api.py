"""Fuzzing the OpenAPI schema with schemathesis: every operation, valid and invalid requests, odd credentials,
on the fake backend and on the small real backend (router, tools, stores, loop; scripted LLM).

Every response is below 500; every error is {"error": {"code", "message"}} with a status the API documents.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from bot.backend import ChatBackend
from bot.config import Settings
from bot.http.app import create_app
from bot.testing.scripted_model import ScriptedModel
from tests.app_fixtures import small_backend
from tests.catalog_fixtures import DEMO_DATA
from tests.fake_backend import CATALOG, FakeBackend, bearer, make_settings
from tests.live_catalog import build_catalog

OPERATIONS = [
    "GET /healthz",
    "GET /metrics",
    "GET /api/v1/ui-strings",
    "POST /api/v1/sessions",
    "GET /api/v1/sessions/{session_id}",
    "POST /api/v1/sessions/{session_id}/messages",
    "POST /api/v1/feedback",
    "GET /api/v1/me/profile",
    "DELETE /api/v1/me",
    "POST /api/v1/events",
    "PUT /api/v1/items/{item_id}",
    "DELETE /api/v1/items/{item_id}",
    "POST /api/v1/items/batch",
    "POST /v1/chat/completions",
]
EXAMPLES = {"fake": 30, "real": 25}  # per operation and generation mode
USER = "1"  # a demo user of both backends
PRINTABLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60)


@dataclass
class Target:
    """One app under fuzzing, its schema, and what the fuzzer saw (for the summary and the coverage guard)."""

    name: str
    backend: ChatBackend
    schema: Any
    item_ids: list[str]
    seen: Counter[tuple[str, int]]


def _target(name: str, home: Path, backend: ChatBackend, item_ids: list[str], **overrides: Any) -> Target:
    app = create_app(make_settings(home, rate_per_minute=1_000_000, **overrides), backend)
    return Target(name, backend, schemathesis.openapi.from_asgi("/openapi.json", app), item_ids, Counter())


@pytest.fixture(scope="module")
def fake_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    target = _target("fake", tmp_path_factory.mktemp("fuzz-fake"), FakeBackend(), list(CATALOG))
    yield target
    _summary(target)


@pytest.fixture(scope="module")
def real_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    home = tmp_path_factory.mktemp("fuzz-real")
    llm = ScriptedModel(["Here are a few films from the catalog."], repeat_last=True)
    build_catalog(Settings(home=home / "home", data_dir=DEMO_DATA))  # a live Chroma catalog for the item routes
    backend = small_backend(home, llm=llm)
    items = [item.item_id for item in backend.components.catalog.items()[:50]]
    target = _target("real", home, backend, items, auth="demo")  # demo mode: X-Demo-User is accepted too
    yield target
    _summary(target)


def _summary(target: Target) -> None:
    statuses: Counter[int] = Counter()
    for (_, status), n in target.seen.items():
        statuses[status] += n
    print(f"\nfuzz {target.name}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    for label in OPERATIONS:
        ok = sum(n for (op, status), n in target.seen.items() if op == label and status < 400)
        refused = sum(n for (op, status), n in target.seen.items() if op == label and status >= 400)
        print(f"  {label}: {ok} accepted, {refused} refused")


def credentials() -> st.SearchStrategy[dict[str, str]]:
    """Seven in ten a valid token; else none (a new visitor), junk, an expired token, or the demo header."""
    odd = st.one_of(
        st.just({}),
        st.just(bearer(USER, ttl_s=-60)),
        st.just({"X-Demo-User": USER}),
        PRINTABLE.map(lambda s: {"Authorization": f"Bearer {s}"}),
        PRINTABLE.map(lambda s: {"Authorization": s}),
        PRINTABLE.map(lambda s: {"X-Demo-User": s}),
    )
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: st.just(bearer(USER)) if n < 7 else odd)


def check_response(label: str, response: Any, case: Any) -> None:
    """No 5xx; errors have the one error shape and a documented status; JSON successes are JSON objects."""
    status = response.status_code
    where = f"{label} -> {status}\n{case.as_curl_command()}\n{response.content[:500]!r}"
    assert status < 500, where
    documented = {int(code) for code in case.operation.definition.raw.get("responses", {}) if code.isdigit()}
    assert status in documented, where
    content_type = (response.headers.get("content-type") or [""])[0]
    if status >= 400:
        assert content_type.startswith("application/json"), where
        body = json.loads(response.content)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, where
        assert isinstance(body["error"]["code"], str) and body["error"]["code"], where
        assert isinstance(body["error"]["message"], str), where
    elif content_type.startswith("application/json"):
        assert isinstance(json.loads(response.content), dict), where
    elif label == "GET /metrics":  # Prometheus' text format: comment lines and samples
        assert content_type.startswith("text/plain"), where
        assert all(not line or line.startswith("#") or " " in line for line in response.text.splitlines()), where
    else:
        assert content_type.startswith("text/event-stream"), where


def usually(data: st.DataObject, label: str) -> bool:
    """True three times in four (and when shrinking: the simplest example takes the steered path)."""
    return data.draw(st.integers(min_value=0, max_value=3), label=label) < 3


def event_rows(target: Target) -> st.SearchStrategy[dict[str, Any]]:
    """Valid interaction events on the target's items (the fuzzer's own bodies are mostly refused rows)."""
    kinds = st.sampled_from(["view", "click", "add_to_cart", "purchase"])
    return st.fixed_dictionaries(
        {
            "event_id": PRINTABLE,
            "user_id": PRINTABLE,
            "item_id": st.sampled_from(target.item_ids),
            "kind": kinds,
            "timestamp": st.integers(min_value=0, max_value=1_700_000_000),
        }
    )


def steer_items(target: Target, case: Any, data: st.DataObject, headers: dict[str, str]) -> None:
    """Catalog updates by an admin on items of their own (fuzz-N), so the items the other operations use stay."""
    headers["Authorization"] = bearer("shop-sync", role="admin")["Authorization"]
    fresh = f"fuzz-{data.draw(st.integers(min_value=0, max_value=10**6), label='new item id')}"
    title = data.draw(PRINTABLE, label="title")
    if case.method == "DELETE":
        target.backend.update_catalog(upsert=[{"id": fresh, "title": title}])
        case.path_parameters["item_id"] = fresh
    elif case.method == "PUT":
        case.path_parameters["item_id"] = fresh
        case.body = {"title": title, "categories": ["Fuzz"], "year": 2001, "brand": title}
    else:
        case.body = {"upsert": [{"id": fresh, "title": title}], "delete": [f"{fresh}-gone"]}


def steer(target: Target, case: Any, data: st.DataObject, headers: dict[str, str]) -> None:
    """Point most valid cases at things that exist, so fuzzing reaches past the 404s and the 422s."""
    if "session_id" in (case.path_parameters or {}) and usually(data, "own session"):
        case.path_parameters["session_id"] = target.backend.create_session(USER)
    body = case.body
    if case.path == "/api/v1/events" and usually(data, "admin with events"):
        headers["Authorization"] = bearer("shop-sync", role="admin")["Authorization"]
        case.body = {"events": data.draw(st.lists(event_rows(target), min_size=1, max_size=5), label="events")}
    if case.path.startswith("/api/v1/items") and usually(data, "admin with items"):
        steer_items(target, case, data, headers)
    if isinstance(body, dict) and "item_id" in body and usually(data, "known item"):
        body["item_id"] = data.draw(st.sampled_from(target.item_ids), label="item")
    if isinstance(body, dict) and isinstance(body.get("messages"), list) and usually(data, "ends with a question"):
        text = data.draw(st.text(min_size=1, max_size=300), label="question")
        body["messages"].append({"role": "user", "content": text})
    if case.path.endswith("/messages") and not usually(data, "json"):
        headers["Accept"] = "text/event-stream"


def fuzz_mode(target: Target, label: str, operation: Any, mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES[target.name],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=operation.as_strategy(mode), headers=credentials(), data=st.data())
    def run(case: Any, headers: dict[str, str], data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE:
            steer(target, case, data, headers)
        response = case.call(headers=headers)
        target.seen[(label, response.status_code)] += 1
        check_response(label, response, case)

    run()


def fuzz(target: Target, label: str) -> None:
    """Valid requests (steered towards existing sessions and items), then invalid ones when there is a body."""
    method, path = label.split(" ", 1)
    operation = target.schema[path][method]
    fuzz_mode(target, label, operation, GenerationMode.POSITIVE)
    if operation.body:
        fuzz_mode(target, label, operation, GenerationMode.NEGATIVE)
    statuses = {status for (op, status), _ in target.seen.items() if op == label}
    assert any(status < 400 for status in statuses), f"{label}: no request got through, only {sorted(statuses)}"


def test_every_operation_is_fuzzed(fake_target: Target) -> None:
    found = sorted(op.ok().label for op in fake_target.schema.get_all_operations())
    assert found == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_fuzz_fake_backend(fake_target: Target, label: str) -> None:
    fuzz(fake_target, label)


@pytest.mark.parametrize("label", OPERATIONS)
def test_fuzz_real_backend(real_target: Target, label: str) -> None:
    fuzz(real_target, label)

"""Live updates across real processes: `chroma run`, a catalog ingested by `concierge ingest`, and two `concierge
serve` processes over that server. An upsert sent to process A's API is shown by process B's chat within its
catalog check interval, and after a DELETE sent to A, B no longer shows the item; no restart of B.

Polled against a generous deadline (a loaded CI machine waits longer instead of failing): the assertion is that B
sees the change at all, by itself; the measured delay is printed and recorded as a test property.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import REPO_ROOT
from bot.http.auth import issue_token
from tests.demo_home import CONCIERGE
from tests.served_demo import ServedConcierge, served_env
from tests.test_fault_chroma import running_chroma, wait_for

SECRET = "live-process-test-secret-0123456789abcdef"
CHECK_S = 0.5
DEADLINE_S = 60.0
POLL_S = 0.05  # B's delay is measured to this
ADMIN = {"Authorization": f"Bearer {issue_token(SECRET, 'shop-sync', role='admin')}"}
SHOPPER = {"Authorization": f"Bearer {issue_token(SECRET, 'shopper-1')}"}
# A small shop catalog (not the demo films): embedded by the service's own model in seconds.
SHOP_FILE = Path(__file__).resolve().parent / "data" / "live_shop.jsonl"
ITEMS = [json.loads(line) for line in SHOP_FILE.read_text(encoding="utf-8").splitlines()]
NEW_ITEM = {
    "title": "Copper Espresso Kettle",
    "description": "A hammered copper kettle for the stove top.",
    "categories": ["Kitchen"],
    "year": 2024,
}
NEW_ID = "live-k9"
GONE = next(item for item in ITEMS if item["id"] == "d3")  # Wool Throw Blanket


def shown(client: httpx.Client, title: str) -> list[str]:
    """The ids a fresh conversation's answer to "tell me about <title>" shows (a 200 is required)."""
    session = client.post("/api/v1/sessions", headers=SHOPPER)
    assert session.status_code == 201, session.text
    body = {"text": f"tell me about {title}", "reply_mode": "template"}
    reply = client.post(f"/api/v1/sessions/{session.json()['session_id']}/messages", json=body, headers=SHOPPER)
    assert reply.status_code == 200, reply.text
    return [item["item_id"] for item in reply.json()["items"]]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedConcierge, ServedConcierge]]:
    """A Chroma server, the shop catalog ingested into it by `concierge ingest`, and two services over it."""
    root = tmp_path_factory.mktemp("live-process")
    with running_chroma(root) as chroma:
        settings: dict[str, Any] = {
            "chroma_url": f"http://127.0.0.1:{chroma.port}",
            "catalog_check_s": str(CHECK_S),
            "jwt_secret": SECRET,
            "rate_per_minute": "100000",  # B is polled many times a second by one user
            "torch_threads": "1",  # two services and Chroma on a small machine
        }
        homes = [root / "a", root / "b"]
        for home in homes:
            home.mkdir()
        processes = [ServedConcierge(home, **settings) for home in homes]
        try:
            ingest = subprocess.run(
                [str(CONCIERGE), "ingest", "--catalog", str(SHOP_FILE), "--json"],
                env=served_env(homes[0], **settings),
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert ingest.returncode == 0, ingest.stderr
            for process in processes:
                process.start(wait_ready=False)  # both load at once
            for process in processes:
                process.wait_ready()
            yield processes[0], processes[1]
        finally:
            for process in processes:
                process.stop()


def test_a_second_service_process_shows_an_upsert_and_stops_showing_a_delete(
    services: tuple[ServedConcierge, ServedConcierge], record_property: Callable[[str, object], None]
) -> None:
    writer, reader = services
    assert writer.proc is not None and reader.proc is not None and writer.proc.pid != reader.proc.pid
    with httpx.Client(base_url=writer.url, timeout=60) as a, httpx.Client(base_url=reader.url, timeout=60) as b:
        assert NEW_ID not in shown(b, NEW_ITEM["title"])  # not there before the upsert
        assert GONE["id"] in shown(b, GONE["title"])  # there before the delete

        put = a.put(f"/api/v1/items/{NEW_ID}", json=NEW_ITEM, headers=ADMIN)
        assert put.status_code == 200, put.text
        assert put.json()["created"] == 1
        upsert_s = wait_for(lambda: NEW_ID in shown(b, NEW_ITEM["title"]), DEADLINE_S, "B to show it", POLL_S)
        assert NEW_ID in shown(a, NEW_ITEM["title"])  # the writer, patched at once
        seen = b.post("/api/v1/feedback", json={"item_id": NEW_ID, "signal": "like"}, headers=SHOPPER)
        assert seen.status_code == 200 and "Copper Espresso Kettle" in seen.json()["title"], seen.text

        deleted = a.delete(f"/api/v1/items/{GONE['id']}", headers=ADMIN)
        assert deleted.status_code == 200 and deleted.json()["deleted"] == 1, deleted.text
        delete_s = wait_for(lambda: GONE["id"] not in shown(b, GONE["title"]), DEADLINE_S, "B to drop it", POLL_S)
        unknown = b.post("/api/v1/feedback", json={"item_id": GONE["id"], "signal": "like"}, headers=SHOPPER)
        assert unknown.status_code == 404, unknown.text  # not just absent from one answer: B no longer knows it
        assert GONE["id"] not in shown(a, GONE["title"])

    assert reader.proc.poll() is None  # the same reader process throughout, never restarted
    record_property("upsert_seen_s", round(upsert_s, 2))
    record_property("delete_seen_s", round(delete_s, 2))
    print(
        f"second service process (pid {reader.proc.pid}): upsert shown after {upsert_s:.2f} s, "
        f"delete after {delete_s:.2f} s (CONCIERGE_CATALOG_CHECK_S={CHECK_S})"
    )

"""`concierge serve --workers N`: what it refuses before starting anything, and two real workers on one port over
PostgreSQL and a Chroma server (one conversation whichever worker answers, one merged /metrics)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from bot.cli.main import main
from bot.cli.service import workers_refusal
from bot.config import Settings
from tests.cluster_kit import USER, Conversation, SharedBackends, assert_90s_comedies, assert_holds, transcript
from tests.served_demo import ServedConcierge


def test_several_workers_need_a_chroma_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONCIERGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CONCIERGE_CHROMA_URL", raising=False)
    assert main(["serve", "--workers", "2", "--port", "1"]) == 2  # refused before binding anything
    err = capsys.readouterr().err
    assert "--workers 2 needs a Chroma server (CONCIERGE_CHROMA_URL)" in err, err
    assert not (tmp_path / "home" / "metrics").exists()


def test_the_refusal_names_only_what_is_missing(tmp_path: Path) -> None:
    assert workers_refusal(Settings(home=tmp_path, workers=1)) is None  # one process: a local folder is fine
    assert workers_refusal(Settings(home=tmp_path, workers=3, chroma_url="http://127.0.0.1:8000")) is None
    refusal = workers_refusal(Settings(home=tmp_path, workers=3))
    assert refusal is not None and "--workers 3" in refusal


@pytest.mark.parametrize("count", ["0", "-2", "65", "two"])
def test_a_bad_worker_count_is_a_usage_error(count: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--workers", count])
    assert exited.value.code == 2
    assert "a number of processes from 1 to 64" in capsys.readouterr().err


def test_the_setting_is_bounded_too(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="workers"):
        Settings(home=tmp_path, workers=0)


def worker_turns(metrics_dir: Path) -> dict[int, float]:
    """Finished turns by worker pid, from each worker's own file in the multiprocess metrics folder."""
    counts: dict[int, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        samples = [s for f in families if f.name == "concierge_turns" for s in f.samples if s.name.endswith("_total")]
        counts[pid] = sum(sample.value for sample in samples)
    return counts


def scraped_turns(service: ServedConcierge) -> float:
    """concierge_turns_total summed over its labels, from one scrape of /metrics (a fresh connection)."""
    body = httpx.get(f"{service.url}/metrics", timeout=30).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith("concierge_turns_total{"))


@pytest.mark.slow
def test_workers_share_one_port_the_stores_and_one_metrics_endpoint(backends: SharedBackends, tmp_path: Path) -> None:
    """`serve --workers 2` on the test PostgreSQL and Chroma server: turns on fresh connections reach both
    workers, a conversation continues whichever worker answers, and every scrape of /metrics counts every worker's
    turns (without the merge, a scrape counts only the worker that answered it)."""
    home = tmp_path / "workers"
    home.mkdir()
    served = ServedConcierge(home, serve_args=("--workers", "2"), **backends.settings)
    served.start(ready_timeout_s=600)
    try:
        assert served.proc is not None
        metrics_dir = home / "metrics" / str(served.proc.pid)
        deadline = time.monotonic() + 600
        while served.log_path.read_text(encoding="utf-8", errors="replace").count(" ready\n") < 2:
            assert time.monotonic() < deadline, served.log_tail()  # each worker warms up on its own, then logs it
            time.sleep(0.5)
        created = httpx.post(f"{served.url}/api/v1/sessions", headers=USER, timeout=60)
        chat = Conversation(created.json()["session_id"])
        assert_90s_comedies(chat.turn(served, "comedies from the 90s"), romance=True)
        turns = 1
        with ThreadPoolExecutor(4) as pool:
            while len([n for n in worker_turns(metrics_dir).values() if n > 0]) < 2:
                assert time.monotonic() < deadline, f"one worker answered every turn: {worker_turns(metrics_dir)}"
                results = list(pool.map(lambda _: chat.turn(served, "no romance please"), range(4)))
                for result in results:  # whichever worker answered, the 90s comedy filter came from the store
                    assert_90s_comedies(result, romance=False)
                turns += len(results)
        by_worker = worker_turns(metrics_dir)
        assert len(by_worker) == 2 and sum(by_worker.values()) == turns, by_worker
        assert [scraped_turns(served) for _ in range(6)] == [turns] * 6
        assert_holds(transcript(served, chat.session_id), chat.acknowledged)
        root = httpx.get(served.url + "/", timeout=30)
        assert root.status_code == 307 and root.headers["location"] == "/docs"  # no Gradio UI across workers
    finally:
        served.stop()
    assert not metrics_dir.exists()  # the run's metrics folder goes with it
    print(f"serve --workers 2: {turns} turns, by worker pid {by_worker}, every scrape counted all {turns}")

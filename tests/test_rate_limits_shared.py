"""Rate limits shared between limiters: one storage (a real redis-server, or one in-memory Storage) = one budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage

from bot.http.app import create_app
from bot.http.limits import RateLimited, RateLimiter
from tests.fake_backend import FakeBackend, bearer, free_port, make_settings
from tests.redis_server import REDIS_SERVER, redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server (tests/redis_server.py); skipped where it is not installed."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (make redis)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def refused(limiter: RateLimiter, key: str) -> int | None:
    """The Retry-After of a refused request, None when it is let through."""
    try:
        limiter.check(key)
    except RateLimited as exc:
        return exc.retry_after_s
    return None


def test_two_limiters_on_one_redis_share_the_budget(redis_url: str) -> None:
    first, second = RateLimiter(3, redis_url), RateLimiter(3, redis_url)
    assert [refused(first, "user:ann"), refused(second, "user:ann"), refused(first, "user:ann")] == [None] * 3
    retry = refused(second, "user:ann")
    assert retry is not None and 1 <= retry <= 60
    assert refused(first, "user:ann") is not None
    assert refused(second, "user:ben") is None  # a budget per key


def test_redis_expires_the_keys_itself(redis_url: str) -> None:
    RateLimiter(5, redis_url).check("user:cid")
    client = redis.Redis.from_url(redis_url)
    keys = [key for key in client.scan_iter("*") if b"user:cid" in key]
    assert keys, "the hit was not stored in redis"
    assert all(0 < client.ttl(key) <= 60 for key in keys)


def test_two_apps_on_one_redis_share_the_429(tmp_path: Path, redis_url: str) -> None:
    clients = [
        TestClient(
            create_app(make_settings(tmp_path / name, rate_per_minute=2, limits_storage=redis_url), FakeBackend())
        )
        for name in ("a", "b")
    ]
    dana = bearer("dana")
    assert clients[0].get("/api/v1/me/profile", headers=dana).status_code == 200
    assert clients[1].get("/api/v1/me/profile", headers=dana).status_code == 200
    for client in clients:
        response = client.get("/api/v1/me/profile", headers=dana)
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert response.json()["error"]["code"] == "rate_limited"


def test_two_limiters_on_one_memory_storage_share_the_budget() -> None:
    storage = MemoryStorage()
    first, second = RateLimiter(2, storage), RateLimiter(2, storage)
    assert [refused(first, "user:eve"), refused(second, "user:eve")] == [None, None]
    assert refused(first, "user:eve") is not None and refused(second, "user:eve") is not None
    apart = RateLimiter(2, "memory://")  # its own memory: its own budget
    assert refused(apart, "user:eve") is None


def test_an_unreachable_storage_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(1, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    assert [refused(limiter, "user:fay") for _ in range(3)] == [None] * 3
    assert "rate-limit storage unreachable" in caplog.text


def test_a_storage_without_a_moving_window_is_refused() -> None:
    with pytest.raises(Exception, match=r"pymemcache|moving window"):
        RateLimiter(1, "memcached://127.0.0.1:11211")

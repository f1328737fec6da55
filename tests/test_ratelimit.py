"""Public endpoints answer 429 with Retry-After once a client goes over its limit; the
limiter counts in this process or, shared by every process, in Redis."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from walletdesk.app import create_app
from walletdesk.ratelimit import MemoryLimiter, RedisLimiter

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings(settings):
    settings.rate_limit_redact_per_minute = 3
    settings.rate_limit_help_search_per_minute = 2
    settings.rate_limit_help_suggest_per_minute = 2
    settings.rate_limit_channel_check_per_minute = 2
    return settings


def test_sliding_window_forgets_old_requests():
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert [limiter.hit("a", limit=2, window=60) for _ in range(2)] == [None, None]
    assert limiter.hit("a", limit=2, window=60) == pytest.approx(60)
    assert limiter.hit("b", limit=2, window=60) is None  # another address has its own count
    now[0] += 30
    assert limiter.hit("a", limit=2, window=60) == pytest.approx(30)
    now[0] += 31
    assert limiter.hit("a", limit=2, window=60) is None


@pytest.mark.parametrize(
    "make", [MemoryLimiter, lambda: RedisLimiter(REDIS_URL, prefix=f"t:{uuid.uuid4().hex}:")]
)
def test_the_limit_holds_under_parallel_requests(make):
    limiter = make()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: limiter.hit("k", limit=10, window=60), range(60)))
    assert sum(r is None for r in results) == 10
    assert all(0 < r <= 60 for r in results if r is not None)


def test_redis_counts_are_shared_between_processes():
    prefix = f"t:{uuid.uuid4().hex}:"
    first, second = RedisLimiter(REDIS_URL, prefix=prefix), RedisLimiter(REDIS_URL, prefix=prefix)
    assert first.hit("ip", limit=2, window=60) is None
    assert second.hit("ip", limit=2, window=60) is None
    assert first.hit("ip", limit=2, window=60) is not None


def test_unreachable_redis_falls_back_to_counting_in_process():
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    assert limiter.hit("ip", limit=1, window=60) is None
    assert limiter.hit("ip", limit=1, window=60) is not None


def test_app_uses_redis_when_configured(settings):
    settings.redis_url = REDIS_URL
    app = create_app(settings)
    assert isinstance(app.state.limiter, RedisLimiter)
    app.state.engine.dispose()


def _assert_429(response, lang: str) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["field"] is None
    if lang == "zh":
        assert "请求过于频繁" in error["message"]
    else:
        assert error["message"].startswith("Too many requests")


def test_redact_is_limited_per_address(client):
    for _ in range(3):
        assert client.post("/api/v1/safety/redact", json={"text": "hi"}).status_code == 200
    over = client.post(
        "/api/v1/safety/redact", json={"text": "hi"}, headers={"Accept-Language": "zh-CN"}
    )
    _assert_429(over, "zh")


def test_help_search_suggest_and_checker_are_limited(client):
    for path, params in [
        ("/api/v1/help/search", {"q": "fee", "lang": "en"}),
        ("/api/v1/help/official-channels/check", {"value": "400-820-6688", "lang": "en"}),
    ]:
        for _ in range(2):
            assert client.get(path, params=params).status_code == 200, path
        _assert_429(client.get(path, params=params), "en")
    typed = {"q": "fee", "lang": "en"}  # suggestions are POSTed: what is typed stays out of URLs
    for _ in range(2):
        assert client.post("/api/v1/help/suggest?lang=en", json=typed).status_code == 200
    _assert_429(client.post("/api/v1/help/suggest?lang=en", json=typed), "en")


def test_checker_page_is_limited_only_when_checking(client):
    for _ in range(2):
        page = client.get("/help/official-channels", params={"value": "wallet-desk.com"})
        assert page.status_code == 200
    over = client.get("/help/official-channels", params={"value": "wallet-desk.com", "lang": "en"})
    assert over.status_code == 429
    assert "Too many requests" in over.text and "Retry-After" in over.headers
    assert client.get("/help/official-channels").status_code == 200  # the list stays readable

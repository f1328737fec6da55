"""Rate limits: a sliding window of requests per key (for public endpoints, the client's
address), kept in this process, or in Redis when WALLETDESK_REDIS_URL is set.

`enforce` applies the limit named `name`: the setting `rate_limit_<name>_per_minute` (0: no
limit). web/limits.py applies it to requests.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import redis

from walletdesk.config import Settings
from walletdesk.errors import RateLimited

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60.0


class Limiter(Protocol):
    def hit(self, key: str, *, limit: int, window: float) -> float | None:
        """Count one request for `key`; None if within `limit` per `window` seconds, else
        the seconds until a request would be allowed again."""


class MemoryLimiter:
    """One process's counts: right for a single web process (the demo, the tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, limit: int, window: float) -> float | None:
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + window - now
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys now and then
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - window}
            return None


# Atomic in Redis, on Redis's clock: drop hits older than the window, refuse at the limit,
# else record this one.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return false
"""


class RedisLimiter:
    """Counts shared by every process; falls back to this process's counts while Redis is
    unreachable (a limit that holds per process beats refusing or allowing everyone)."""

    def __init__(self, url: str, *, prefix: str = "walletdesk:ratelimit:") -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._prefix = prefix
        self._fallback = MemoryLimiter()

    def hit(self, key: str, *, limit: int, window: float) -> float | None:
        member = uuid.uuid4().hex
        try:
            wait = self._script(keys=[self._prefix + key], args=[window, limit, member])
        except redis.RedisError as exc:
            log.warning("rate limit: Redis unavailable (%s); counting in this process", exc)
            return self._fallback.hit(key, limit=limit, window=window)
        return float(wait) if wait else None


def make_limiter(settings: Settings) -> Limiter:
    return RedisLimiter(settings.redis_url) if settings.redis_url else MemoryLimiter()


def enforce(limiter: Limiter, *, settings: Settings, name: str, key: str) -> None:
    """RateLimited (429, with the seconds to wait) when `key` went over `name`'s limit."""
    limit = int(getattr(settings, f"rate_limit_{name}_per_minute"))
    if limit <= 0:
        return
    wait = limiter.hit(f"{name}:{key}", limit=limit, window=WINDOW_SECONDS)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            "Too many requests. Please try again in {seconds} seconds.",
            seconds=seconds,
            retry_after=seconds,
        )

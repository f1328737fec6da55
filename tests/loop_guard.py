"""The event loop's slow-callback detection, on for the whole suite: a test during which any
callback of the app's event loop ran for longer than the limit fails.

The app's loops run in threads of their own (TestClient's portal, the live server's uvicorn);
the main thread's loop belongs to Playwright, whose callbacks hand over to the test code and
are not the app's. Like asyncio's debug mode (`loop.slow_callback_duration`), without its
cost of recording a stack for every callback.
"""

from __future__ import annotations

import asyncio.events
import os
import threading
import time
from collections.abc import Iterator

import pytest

LIMIT_SECONDS = float(os.environ.get("WALLETDESK_TEST_SLOW_CALLBACK_SECONDS", "0.1"))
_slow: list[str] = []
_original_run = asyncio.events.Handle._run


def _timed_run(self: asyncio.events.Handle) -> None:
    if threading.current_thread() is threading.main_thread():
        _original_run(self)
        return
    started = time.perf_counter()
    _original_run(self)
    took = time.perf_counter() - started
    if took > LIMIT_SECONDS:
        _slow.append(f"{self!r} took {took:.3f} s")


asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def event_loop_never_blocked() -> Iterator[None]:
    _slow.clear()
    yield
    blocked, _slow[:] = list(_slow), []
    assert not blocked, "the event loop was blocked:\n" + "\n".join(blocked)

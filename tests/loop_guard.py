"""The event loop's slow-callback detection, on for the whole suite: a test during which any
callback of the app's event loop ran for longer than the limit fails, showing where it was.

The app's loops run in threads of their own (TestClient's portal, the live server's uvicorn);
the main thread's loop belongs to Playwright, whose callbacks hand over to the test code and
are not the app's. Like asyncio's debug mode (`loop.slow_callback_duration`), without its
cost of recording a stack for every callback; a watcher thread takes the stack of a callback
that runs too long, so the failure says which code blocked.
"""

from __future__ import annotations

import asyncio.events
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator

import pytest

LIMIT_SECONDS = float(os.environ.get("WALLETDESK_TEST_SLOW_CALLBACK_SECONDS", "0.1"))
_slow: list[str] = []
_running: dict[int, tuple[float, object]] = {}  # loop thread id -> (started, handle)
_original_run = asyncio.events.Handle._run


def _timed_run(self: asyncio.events.Handle) -> None:
    thread = threading.get_ident()
    if thread == threading.main_thread().ident:
        _original_run(self)
        return
    started = time.perf_counter()
    _running[thread] = (started, self)
    try:
        _original_run(self)
    finally:
        _running.pop(thread, None)
    took = time.perf_counter() - started
    if took > LIMIT_SECONDS:
        task = getattr(self._callback, "__self__", None)  # a task's step names its coroutine
        _slow.append(f"{task if task is not None else self!r} took {took:.3f} s")


def _watch() -> None:
    """Every 20 ms: the stack of each loop thread whose callback has run past the limit."""
    reported: set[int] = set()
    while True:
        time.sleep(0.02)
        now = time.perf_counter()
        frames = sys._current_frames()
        for thread, (started, handle) in list(_running.items()):
            if now - started > LIMIT_SECONDS and id(handle) not in reported and thread in frames:
                reported.add(id(handle))
                stack = "".join(traceback.format_stack(frames[thread])[-12:])
                _slow.append(f"blocked at:\n{stack}")
        if len(reported) > 10_000:
            reported.clear()


asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]
threading.Thread(target=_watch, name="loop-guard", daemon=True).start()


@pytest.fixture(autouse=True)
def event_loop_never_blocked() -> Iterator[None]:
    _slow.clear()
    yield
    blocked, _slow[:] = list(_slow), []
    assert not blocked, "the event loop was blocked:\n" + "\n".join(blocked)

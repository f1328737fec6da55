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
import gc
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
_stacks: dict[int, str] = {}  # id(handle) -> where it was when it passed the limit
_original_run = asyncio.events.Handle._run


_gc_seconds: dict[int, float] = {}  # thread id -> time spent collecting garbage
_gc_started: dict[int, float] = {}


def _count_gc(phase: str, _info: dict[str, int]) -> None:
    """The garbage collector runs in whichever thread allocates when it is due: its pauses are
    the interpreter's, not blocking code, and are left out of a callback's time."""
    thread = threading.get_ident()
    if phase == "start":
        _gc_started[thread] = time.perf_counter()
    elif thread in _gc_started:
        spent = time.perf_counter() - _gc_started.pop(thread)
        _gc_seconds[thread] = _gc_seconds.get(thread, 0.0) + spent


def _timed_run(self: asyncio.events.Handle) -> None:
    thread = threading.get_ident()
    if thread == threading.main_thread().ident:
        _original_run(self)
        return
    started = time.perf_counter()
    collecting = _gc_seconds.get(thread, 0.0)
    _running[thread] = (started, self)
    try:
        _original_run(self)
    finally:
        _running.pop(thread, None)
    took = time.perf_counter() - started - (_gc_seconds.get(thread, 0.0) - collecting)
    stack = _stacks.pop(id(self), "")
    # A callback is blocking when the watcher saw it still running past the limit; one it did
    # not see was the whole process waiting for a core (the machine's load), not the loop.
    if took > LIMIT_SECONDS and stack and not _benign(stack):
        task = getattr(self._callback, "__self__", None)  # a task's step names its coroutine
        what = task if task is not None else self
        _slow.append(f"{what!r} took {took:.3f} s, blocked at:\n{stack}")


# Where the loop thread may be seen past the limit without having blocked: handing work to a
# thread, switching threads, collecting weak references. Seen there, the loop was waiting for
# the interpreter or a core (the machine's load), not running blocking code.
MACHINERY = (
    "/asyncio/",
    "/anyio/",
    "/starlette/",
    "/fastapi/routing.py",
    "/threading.py",
    "/queue.py",
    "/weakref.py",
    "/_weakrefset.py",
    "/tests/loop_guard.py",  # seen in _count_gc: the thread was collecting garbage
)


def _benign(stack: str) -> bool:
    files = [line.split('"')[1] for line in stack.splitlines() if line.startswith('  File "')]
    return bool(files) and any(part in files[-1] for part in MACHINERY)


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
                _stacks[id(handle)] = "".join(traceback.format_stack(frames[thread])[-12:])
        if len(reported) > 10_000:
            reported.clear()


asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]
gc.callbacks.append(_count_gc)
threading.Thread(target=_watch, name="loop-guard", daemon=True).start()


@pytest.fixture(autouse=True)
def event_loop_never_blocked() -> Iterator[None]:
    _slow.clear()
    yield
    blocked, _slow[:] = list(_slow), []
    assert not blocked, "the event loop was blocked:\n" + "\n".join(blocked)

"""The structural half of "nothing blocking runs on the event loop" (the timing half is
tests/loop_guard.py): every route handler and dependency is a plain `def`, run in a worker
thread, except the few that only await the request or a thread and were read for it."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from walletdesk.web.openapi import _routes

# Each only awaits: the request body, a database slot and a thread, or a thread.
ON_THE_LOOP = {"refuse_nul", "get_db", "read_body", "healthz"}


def _calls(dependant) -> list:
    found = [dependant.call] if dependant.call is not None else []
    for inner in dependant.dependencies:
        found.extend(_calls(inner))
    return found


def test_no_route_or_dependency_runs_on_the_event_loop(app):
    checked = 0
    for route in _routes(app.router):
        assert isinstance(route, APIRoute)
        for call in _calls(route.dependant):
            checked += 1
            if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
                name = getattr(call, "__name__", repr(call))
                assert name in ON_THE_LOOP, f"{route.path}: {name} is async: make it a def"
    assert checked > 200  # every route was seen, with its dependencies

"""An admin finds a background job that failed every try at /admin/jobs, with its error, and
retries it in a real browser: it runs, and the page no longer lists it as failed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser_support import sign_in_as
from tests.jobs_support import FAILURES, RUNS, flaky
from walletdesk import jobqueue
from walletdesk.db import make_engine, make_sessionmaker, session_scope, utcnow

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_admin_retries_a_failed_job(page, live_server):
    settings = live_server.settings
    engine = make_engine(settings.db_url)
    factory = make_sessionmaker(engine)  # no settings: nothing is tried right after commit
    key = f"browser-{uuid.uuid4().hex[:8]}"
    FAILURES[key] = 99
    try:
        with session_scope(factory) as db:
            flaky.enqueue(db, key=key)
        for hours in (1, 2, 3, 4):
            jobqueue.run_due(factory, settings, now=utcnow() + timedelta(hours=hours))
        assert RUNS[key] == 4
        FAILURES[key] = 0  # the provider is back

        sign_in_as(page, live_server, "admin")
        page.goto("/admin/jobs?lang=en")
        row = page.locator("#failed-jobs tr", has_text=key)
        expect(row).to_contain_text("provider down (try 4)")
        expect(row).to_contain_text("4 / 4")
        row.get_by_role("button", name="Retry").click()
        expect(page.locator("[role=status]")).to_contain_text("Retried.")
        expect(page.locator("#failed-jobs")).not_to_contain_text(key)
        assert RUNS[key] == 5
    finally:
        engine.dispose()

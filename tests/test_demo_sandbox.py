"""Two demos on one machine each get a payments sandbox of their own."""

from __future__ import annotations

import httpx

from walletdesk import cli


def test_each_demo_starts_its_own_sandbox_on_a_free_port(monkeypatch, tmp_path):
    monkeypatch.setenv("WALLETDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WALLETDESK_PAYMENTS_SANDBOX_URL", raising=False)
    first = cli._start_payments_sandbox()
    monkeypatch.delenv("WALLETDESK_PAYMENTS_SANDBOX_URL")
    second = cli._start_payments_sandbox()
    assert first and second and first != second
    # The app of this process is pointed at the sandbox it started.
    assert cli.Settings().payments_sandbox_url == second
    for url in (first, second):
        assert httpx.get(url, timeout=5).status_code == 501  # the provider answers (POST only)

"""The rules file: bundled defaults, an override file (WALLETDESK_RISK_RULES_PATH) merged rule
by rule, and mistakes in it refused by name; and every risk text has its Chinese."""

from __future__ import annotations

import logging
import os
import re

import pytest

from tests.risk.conftest import bind_card, fund, hits, prepare, withdraw
from walletdesk.cases import reviews as review
from walletdesk.i18n import catalog
from walletdesk.identity.messages import RISK_ALERT_LABELS
from walletdesk.risk import notify, rules, service


def _write(tmp_path, text: str):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def test_the_bundled_rules_and_their_defaults():
    bundled = rules.load_rules(None)
    assert {key: (r.enabled, r.action) for key, r in bundled.items()} == {
        "new_device_login": (True, "alert"),
        "large_withdrawal": (True, "review"),
        "unusual_amount": (True, "review"),
        "velocity": (True, "freeze"),
        "new_account_large_withdrawal": (True, "freeze"),
    }
    assert bundled["velocity"].params == {
        "window_minutes": 60,
        "max_count": 10,
        "max_total_cny": 200000,
    }


def test_an_override_changes_only_what_it_names(tmp_path):
    path = _write(
        tmp_path,
        "rules:\n  velocity:\n    action: review\n    params: {max_count: 3}\n"
        "  unusual_amount: {enabled: false}\n",
    )
    merged = rules.load_rules(path)
    assert merged["velocity"].action == "review"
    assert merged["velocity"].params["max_count"] == 3
    assert merged["velocity"].params["max_total_cny"] == 200000  # kept from the bundle
    assert not merged["unusual_amount"].enabled
    assert merged["large_withdrawal"] == rules.load_rules(None)["large_withdrawal"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("rules:\n  velocityy: {enabled: false}\n", "unknown rule 'velocityy'"),
        ("rules:\n  velocity: {action: block}\n", "action must be one of"),
        ("rules:\n  velocity: {params: {max_cont: 3}}\n", "no param 'max_cont'"),
        ("rules:\n  velocity: {params: {max_count: many}}\n", "must be a number"),
        ("rules: [velocity]\n", "expected a mapping"),
    ],
)
def test_mistakes_in_an_override_are_refused_by_name(tmp_path, text, named):
    with pytest.raises(rules.RulesInvalid, match=re.escape(named)):
        rules.load_rules(_write(tmp_path, text))


def _edit(path, text: str) -> None:
    """Rewrite the file, its modification time surely later than before."""
    path.write_text(text)
    now = path.stat()
    os.utime(path, ns=(now.st_atime_ns, now.st_mtime_ns + 1_000_000_000))


def test_an_edited_override_takes_effect_without_a_restart(tmp_path, caplog):
    path = _write(tmp_path, "rules:\n  velocity: {params: {max_count: 3}}\n")
    assert rules.load_rules(path)["velocity"].params["max_count"] == 3
    _edit(path, "rules:\n  velocity: {params: {max_count: 5}}\n")
    assert rules.load_rules(path)["velocity"].params["max_count"] == 5
    # A mistake in an edit is logged by name and the rules in force stay.
    with caplog.at_level(logging.ERROR, logger="walletdesk.risk"):
        _edit(path, "rules:\n  velocity: {params: {max_count: five}}\n")
        assert rules.load_rules(path)["velocity"].params["max_count"] == 5
    assert "max_count must be a number" in caplog.text


def test_the_app_follows_the_override_file(app, people, tmp_path):
    path = _write(tmp_path, "rules:\n  large_withdrawal:\n    params: {threshold_cny: 1000}\n")
    app.state.settings.risk_rules_path = path
    prepare(app, people.customer)
    fund(app, people.customer, 1_000_000)
    card = bind_card(app, people.customer)
    assert withdraw(app, people.customer, card, 99_999).status == "processing"
    held = withdraw(app, people.customer, card, 100_000)
    assert held.status == "pending"
    assert hits(app, people.customer) == [("large_withdrawal", "review", held.public_id)]


def test_every_risk_text_has_its_chinese_with_the_same_placeholders():
    zh = catalog("zh")
    texts = [
        *RISK_ALERT_LABELS.values(),
        *notify.SMS_TEXTS.values(),
        review.FROZEN_TODO,
        review.HELD_TODO,
        service.FROZEN,
        service.FROZEN_WITH_CASE,
        *rules.REASONS.values(),
        *rules.LABELS.values(),
    ]
    for text in texts:
        assert text in zh, text
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", zh[text]))

"""Every case text that is not a marked `_("…")` literal (those are checked for the whole code
by tests/test_catalogs.py) exists in Chinese: category and field labels, help texts, the
description examples, statuses, priorities and timeline sentences."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

import walletdesk.cases
from walletdesk.cases import categories, display, states
from walletdesk.i18n import catalog

CASES_DIR = Path(walletdesk.cases.__file__).parent


def _data_msgids() -> set[str]:
    found = set(states.STATUS_LABELS.values()) | set(states.CUSTOMER_STATUS_LABELS.values())
    found |= set(states.PRIORITY_LABELS.values()) | set(display._EVENTS.values())
    for field in categories.FIELDS.values():
        found |= {field.label, field.missing, field.help}
    for category in categories.CATEGORIES.values():
        found |= {category.label, category.summary, category.example}
    return found


def _translated_through_attributes() -> set[str]:
    """`self._("…")` and `note = "…"` texts of display.py, which the global check skips."""
    found = set()
    for _line, message, _comments, _context in extract_from_file(
        "python", CASES_DIR / "display.py", keywords={"_": None}
    ):
        found.add(message)
    return found | {"same as the account's phone", "differs from the account's phone"}


def test_case_labels_and_examples_have_chinese_translations():
    msgids = _data_msgids() | _translated_through_attributes()
    assert len(msgids) > 50
    zh = catalog("zh")
    assert sorted(m for m in msgids if m not in zh) == []
    assert zh["Deposit / withdrawal"] == "充值 / 提现"

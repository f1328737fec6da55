"""The rules for new passwords (NIST SP 800-63B): length, a real blocklist of common and
breached passwords, the person's own details, and no composition rules."""

from __future__ import annotations

import pytest

from walletdesk.errors import ValidationFailed
from walletdesk.identity.passwords import MAX_LENGTH, blocklist, check_new_password


def reason(password: str, **context: str) -> str | None:
    try:
        check_new_password(password, **context)
    except ValidationFailed as exc:
        assert exc.field == "password"
        return exc.code
    return None


def test_the_blocklist_is_a_real_list_not_a_handful():
    common = blocklist()
    assert len(common) > 10_000
    assert {"password", "iloveyou", "1qaz2wsx", "woaini1314", "88888888"} <= common


@pytest.mark.parametrize(
    "password",
    ["password", "Password1", "iloveyou", "qwertyuiop", "woaini1314", "88888888", "sunshine7!"],
)
def test_common_and_breached_passwords_are_refused(password):
    assert reason(password) in ("password_common", "password_too_common")


@pytest.mark.parametrize(
    ("password", "context"),
    [
        ("13800138000x", {"login": "+8613800138000"}),
        ("my00138000pw", {"login": "+8613800138000"}),
        ("zhangsan-secret", {"name": "zhangsan"}),
        ("张小明的钱包很安全", {"name": "张小明"}),
        ("WalletDesk!2025", {}),
    ],
)
def test_passwords_built_on_the_persons_details_are_refused(password, context):
    assert reason(password, **context) == "password_personal"


def test_lengths():
    assert reason("a1b2c3d") == "password_too_short"
    assert MAX_LENGTH >= 64
    long_phrase = "the quick violet heron reads old maps beside a sleepy canal at dusk, twice"
    assert 64 < len(long_phrase) <= MAX_LENGTH
    assert reason(long_phrase) is None
    assert reason("q" * (MAX_LENGTH + 1)) == "password_too_long"


def test_no_composition_rules_all_lower_case_phrases_are_fine():
    assert reason("correct horse battery") is None
    assert reason("violet meadow lantern") is None
    assert reason("雨后的青石板路很滑") is None


def test_the_default_hashing_cost_is_the_secure_one():
    from walletdesk.config import Settings
    from walletdesk.identity.passwords import hash_password

    production = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "$m=65536,t=3," in hash_password("correct horse battery", settings=production)


def test_tests_hash_people_at_a_low_cost(app, people):
    """The people fixture signs up five people per test: at full cost that dominated the run."""
    from walletdesk.identity.models import User

    with app.state.sessionmaker() as db:
        hashes = [db.get(User, p.id).password_hash for p in (people.customer, people.admin)]
    assert all("$m=64,t=1," in h for h in hashes), hashes


def test_a_hash_of_another_cost_still_verifies_and_asks_for_a_rehash(settings):
    from walletdesk.config import Settings
    from walletdesk.identity.passwords import hash_password, needs_rehash, verify_password

    strong = Settings(_env_file=None)  # type: ignore[call-arg]
    old = hash_password("correct horse battery", settings=strong)
    assert verify_password(old, "correct horse battery", settings=settings)
    assert not verify_password(old, "wrong horse battery", settings=settings)
    assert needs_rehash(old, settings=settings)
    assert not verify_password(None, "correct horse battery", settings=settings)

"""The legal deadlines per jurisdiction, each against a worked example computed by hand (in
the comment above it), the region → jurisdiction map, the escalation bodies, and overrides.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from walletdesk.cases.sla.rules import (
    RulesInvalid,
    UnknownRule,
    load_rule_book,
    region_of_phone,
    rule_deadline,
    text,
)


def due(rule: str, received: str, extension: str | None = None) -> datetime:
    book = load_rule_book()
    return rule_deadline(
        book.rule(rule), datetime.fromisoformat(received), extension=extension
    ).due_at


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# cn-complaint: 15 calendar days from the day after receipt; a last day that is a rest day
# (chinese-calendar) moves to the next working day (Civil Code arts. 201, 203).


def test_cn_complaint_rolls_past_national_day() -> None:
    # Wed 16 Sep + 15 days = Thu 1 Oct, National Day; 1-7 Oct are rest days -> Thu 8 Oct.
    assert due("cn-complaint", "2026-09-16T10:00+08:00") == at("2026-10-08T23:59:59+08:00")


def test_cn_complaint_ending_on_an_adjusted_working_day_stays_there() -> None:
    # Fri 25 Sep + 15 = Sat 10 Oct, a working day after National Day: not moved.
    assert due("cn-complaint", "2026-09-25T10:00+08:00") == at("2026-10-10T23:59:59+08:00")
    # Sat 5 Sep + 15 = Sun 20 Sep, also worked.
    assert due("cn-complaint", "2026-09-05T10:00+08:00") == at("2026-09-20T23:59:59+08:00")


def test_cn_complaint_ending_on_a_weekend_moves_to_monday() -> None:
    # Fri 6 Nov + 15 = Sat 21 Nov, a rest day -> Mon 23 Nov.
    assert due("cn-complaint", "2026-11-06T10:00+08:00") == at("2026-11-23T23:59:59+08:00")


def test_cn_complaint_extensions() -> None:
    # complex: 16 Sep + 30 = Fri 16 Oct. very-complex: + 60 = Sun 15 Nov -> Mon 16 Nov.
    assert due("cn-complaint", "2026-09-16T10:00+08:00", "complex") == at(
        "2026-10-16T23:59:59+08:00"
    )
    assert due("cn-complaint", "2026-09-16T10:00+08:00", "very-complex") == at(
        "2026-11-16T23:59:59+08:00"
    )


def test_psd2_complaint_counts_target2_business_days() -> None:
    # Fri 27 Mar (Brussels). Mon 30 Mar - Thu 2 Apr (1-4); Good Friday 3 Apr and Easter Monday
    # 6 Apr are TARGET2 closing days; 7-10 Apr (5-8), 13-17 (9-13), Mon 20 (14), Tue 21 Apr
    # (15). Summer time has begun: +02:00.
    assert due("psd2-complaint", "2026-03-27T12:00+01:00") == at("2026-04-21T23:59:59+02:00")
    # Holding reply, 35: 22-24 Apr (16-18), 27-30 Apr (19-22), 1 May closed, 4-8 May (23-27),
    # 11-15 May (28-32), 18-20 May (33-35).
    assert due("psd2-complaint", "2026-03-27T12:00+01:00", "exceptional") == at(
        "2026-05-20T23:59:59+02:00"
    )


def test_disp_complaint_is_eight_weeks() -> None:
    # Mon 2 Mar GMT + 56 days = Mon 27 Apr, in BST.
    assert due("disp-complaint", "2026-03-02T12:00+00:00") == at("2026-04-27T23:59:59+01:00")
    # Mon 5 Oct BST + 56 = Mon 30 Nov, in GMT; weekends and bank holidays are not skipped.
    assert due("disp-complaint", "2026-10-05T10:00+01:00") == at("2026-11-30T23:59:59+00:00")


def test_disp_payments_skips_english_bank_holidays_over_christmas() -> None:
    # Wed 23 Dec. Thu 24 (1); Christmas 25, weekend, Boxing Day observed Mon 28 closed; 29-31
    # Dec (2-4); New Year 1 Jan closed; 4-8 Jan (5-9), 11-15 Jan (10-14), Mon 18 Jan (15).
    assert due("disp-payments", "2026-12-23T15:00+00:00") == at("2027-01-18T23:59:59+00:00")


def test_disp_payments_exceptional_is_35_business_days() -> None:
    # Fri 27 Mar: 15th business day Tue 21 Apr (as PSD2: Good Friday, Easter Monday closed).
    # 22-24 Apr (16-18), 27 Apr-1 May (19-23), Early May bank holiday Mon 4 May, 5-8 May
    # (24-27), 11-15 (28-32), 18-20 May (33-35).
    assert due("disp-payments", "2026-03-27T12:00+00:00") == at("2026-04-21T23:59:59+01:00")
    assert due("disp-payments", "2026-03-27T12:00+00:00", "exceptional") == at(
        "2026-05-20T23:59:59+01:00"
    )


def test_rege_error_counts_fed_business_days_and_its_alternatives() -> None:
    # Fri 20 Nov (New York). 23-25 Nov (1-3), Thanksgiving 26 Nov closed, Fri 27 (4), 30 Nov-
    # 4 Dec (5-9), Mon 7 Dec (10).
    assert due("rege-error", "2026-11-20T12:00-05:00") == at("2026-12-07T23:59:59-05:00")
    # Provisional credit: 45 calendar days: 20 Nov + 10 = 30 Nov, + 31 = 31 Dec, + 4 = 4 Jan.
    assert due("rege-error", "2026-11-20T12:00-05:00", "provisional-credit") == at(
        "2027-01-04T23:59:59-05:00"
    )
    # New account: 20 business days: ... 7-11 Dec (10-14), 14-18 Dec (15-19), Mon 21 Dec (20).
    assert due("rege-error", "2026-11-20T12:00-05:00", "new-account") == at(
        "2026-12-21T23:59:59-05:00"
    )
    # 90 days: 4 Jan is day 45, + 31 = 4 Feb (76), + 14 = 18 Feb.
    assert due("rege-error", "2026-11-20T12:00-05:00", "provisional-credit-90") == at(
        "2027-02-18T23:59:59-05:00"
    )


def test_unknown_rules_and_extensions_are_named() -> None:
    book = load_rule_book()
    with pytest.raises(UnknownRule, match="cn-complaint"):
        book.rule("cn-complain")
    with pytest.raises(UnknownRule, match=r"no extension 'complex'.*exceptional"):
        rule_deadline(
            book.rule("psd2-complaint"), at("2026-03-27T12:00+01:00"), extension="complex"
        )


def test_the_customers_region_picks_the_jurisdiction_and_its_escalation() -> None:
    book = load_rule_book()
    uk = book.jurisdiction_for_region(region_of_phone("+44 20 7946 0000"))
    assert uk.key == "uk"
    # A number outside the assigned ranges still has its country code.
    assert region_of_phone("+44 7700 900123") == "GB"
    assert region_of_phone("not a phone") is None
    assert book.rule_for(region="GB", kind="payment_complaint").key == "disp-payments"
    assert "0800 023 4567" in text(uk.escalation[0].contact, "en")
    assert book.rule_for(region="FR").key == "psd2-complaint"
    assert book.rule_for(region="us", kind="error").key == "rege-error"
    assert "consumerfinance.gov" in book.jurisdiction_for_region("US").escalation[0].url
    cn = book.jurisdiction_for_region(region_of_phone("+86 138 0013 8000"))
    assert cn.key == "cn"
    assert "12378" in text(cn.escalation[0].contact, "zh")
    assert text(cn.escalation[0].name, "zh") == "国家金融监督管理总局"
    # No region, or one not in the map: the default (mainland China).
    assert book.jurisdiction_for_region(None).key == "cn"
    assert book.jurisdiction_for_region("JP").key == "cn"


def test_an_override_file_replaces_entries_and_keeps_the_rest(tmp_path: Path) -> None:
    override = tmp_path / "rules.yaml"
    override.write_text(
        "rules:\n"
        "  cn-complaint:\n"
        "    jurisdiction: cn\n"
        "    title: {en: Ten days, zh: 十日}\n"
        "    tz: Asia/Shanghai\n"
        "    calendar: cn\n"
        "    period: {count: calendar_days, n: 10, roll: true}\n"
        "regions:\n"
        "  JP: us\n",
        encoding="utf-8",
    )
    book = load_rule_book(override)
    # 16 Sep + 10 = Sat 26 Sep, Mid-autumn rest day (25-27 Sep) -> Mon 28 Sep.
    assert rule_deadline(book.rule("cn-complaint"), at("2026-09-16T10:00+08:00")).due_at == at(
        "2026-09-28T23:59:59+08:00"
    )
    assert book.jurisdiction_for_region("JP").key == "us"
    assert book.rule("disp-complaint").period.n == 8


def test_a_broken_override_names_the_file_and_the_entry(tmp_path: Path) -> None:
    override = tmp_path / "broken.yaml"
    override.write_text("regions:\n  JP: atlantis\n", encoding="utf-8")
    with pytest.raises(RulesInvalid, match=r"broken\.yaml.*JP.*atlantis"):
        load_rule_book(override)

"""Deadline arithmetic for cases: business calendars (calendars), the clock that counts on
them (clock), and the legal deadlines per jurisdiction read from configuration (rules).

Pure functions of timezone-aware datetimes: no database, no settings read at import time.
The SLA clocks of cases build on them in their own modules (policies, models, tracking,
escalation), imported by name and not re-exported here.
"""

from walletdesk.cases.sla.calendars import (
    BusinessCalendar,
    CalendarDataMissing,
    CalendarInvalid,
    make_calendar,
    parse_opening_hours,
)
from walletdesk.cases.sla.clock import (
    Deadline,
    Pause,
    add_business_days,
    add_business_hours,
    add_business_time,
    add_calendar_days,
    business_time_between,
)
from walletdesk.cases.sla.rules import (
    DeadlineRule,
    Jurisdiction,
    RuleBook,
    RulesInvalid,
    UnknownRule,
    load_rule_book,
    region_of_phone,
    rule_deadline,
)

__all__ = [
    "BusinessCalendar",
    "CalendarDataMissing",
    "CalendarInvalid",
    "Deadline",
    "DeadlineRule",
    "Jurisdiction",
    "Pause",
    "RuleBook",
    "RulesInvalid",
    "UnknownRule",
    "add_business_days",
    "add_business_hours",
    "add_business_time",
    "add_calendar_days",
    "business_time_between",
    "load_rule_book",
    "make_calendar",
    "parse_opening_hours",
    "region_of_phone",
    "rule_deadline",
]

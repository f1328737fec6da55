"""The references people quote across domains: a case's number (WD-000123). Kept in the core
so that risk control can name the review case in a refusal or an SMS without importing cases.
"""

from __future__ import annotations

import re

NUMBER_PREFIX = "WD-"
_NUMBER = re.compile(r"(?:WD-?|#)?0*(\d{1,9})", re.IGNORECASE)


def case_number(case_id: int) -> str:
    return f"{NUMBER_PREFIX}{case_id:06d}"


def parse_case_number(text: str) -> int | None:
    """`WD-000123`, `wd123`, `#123` and `000123` all name case 123."""
    match = _NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None

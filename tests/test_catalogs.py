"""Every user-visible English string has a Chinese translation in the catalogs.

Strings are found where the code marks them: `_("…")` in templates and code, the messages of
domain errors, and their default messages.
"""

from __future__ import annotations

import re
from pathlib import Path

from walletdesk.i18n import catalog

SRC = Path(__file__).resolve().parents[1] / "src" / "walletdesk"
ONE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
# One literal or several adjacent ones (Python joins "a " "b" into one string).
STRING = rf"({ONE}(?:\s*{ONE})*)"
_PARTS = r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'"""
MARKERS = [
    re.compile(r"(?<![\w.])_\(\s*" + STRING),
    re.compile(r"ctx\._\(\s*" + STRING),
    re.compile(r"\bN_\(\s*" + STRING),
    re.compile(
        r"\b(?:ValidationFailed|Unauthorized|Forbidden|NotFound|Conflict|TooLarge|Locked|"
        r"RateLimited|DomainError|InsufficientFunds)\(\s*" + STRING
    ),
    re.compile(r"default_message[^=]*=\s*" + STRING),
]


def marked_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted([*SRC.rglob("*.py"), *SRC.rglob("*.html")]):
        text = path.read_text("utf-8")
        for marker in MARKERS:
            for match in marker.finditer(text):
                msgid = "".join(a if a else b for a, b in re.findall(_PARTS, match.group(1)))
                if msgid and re.search(r"[A-Za-z]", msgid):
                    if "\\" in msgid:
                        msgid = msgid.encode().decode("unicode_escape")
                    found.setdefault(msgid, str(path.relative_to(SRC)))
    return found


def test_every_marked_string_has_a_chinese_translation():
    zh = catalog("zh")
    missing = {msgid: where for msgid, where in marked_strings().items() if msgid not in zh}
    assert not missing, "untranslated: " + "; ".join(
        f"{w}: {m!r}" for m, w in sorted(missing.items())
    )


def test_placeholders_survive_translation():
    zh = catalog("zh")
    for msgid, text in zh.items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", text)), msgid

"""`walletdesk deadline`: one JSON object per answer, and exit 2 naming the bad argument.

One test runs the real command in a subprocess; the rest use typer's CliRunner on the app.
Expected times are worked out in tests/cases/test_clock.py and test_deadline_rules.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import walletdesk
from walletdesk.cli import app

SRC = str(Path(walletdesk.__file__).resolve().parents[1])


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["deadline", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def answer(*args: str) -> dict[str, object]:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)


def test_the_command_prints_one_json_object_in_a_real_process() -> None:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "walletdesk.cli", "deadline"]
    received = ["--received", "2026-09-16T10:00:00+08:00"]
    done = subprocess.run(
        [*command, "--rule", "cn-complaint", *received],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert set(found) == {"due_at", "explain"}
    # 16 Sep + 15 days = 1 Oct, National Day: moved past the holiday to 8 Oct.
    assert found["due_at"] == "2026-10-08T23:59:59+08:00"
    assert any("National Day" in step for step in found["explain"])
    bad = subprocess.run(
        [*command, "--rule", "cn-complain", *received],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "--rule" in bad.stderr and "cn-complaint" in bad.stderr


def test_business_hours_across_national_day() -> None:
    found = answer(
        "--business-hours", "8", "--received", "2026-09-30T17:00+08:00", "--calendar", "cn",
        "--tz", "Asia/Shanghai", "--open", "09:00-18:00",
    )  # fmt: skip
    assert found["due_at"] == "2026-10-08T16:00:00+08:00"
    assert isinstance(found["explain"], list)
    assert all(isinstance(step, str) for step in found["explain"])


def test_a_time_without_offset_is_read_in_the_zone_and_said_so() -> None:
    # Fri 9 Oct 17:00 Shanghai: 1h Friday, Sat 10 Oct worked: 10:00.
    found = answer(
        "--business-hours", "2", "--received", "2026-10-09T17:00", "--calendar", "cn",
        "--tz", "Asia/Shanghai",
    )  # fmt: skip
    assert found["due_at"] == "2026-10-10T10:00:00+08:00"
    assert "no UTC offset" in found["explain"][0] and "Asia/Shanghai" in found["explain"][0]
    # With a rule, the rule's zone: 8 weeks from Mon 2 Mar in London, due in summer time.
    by_rule = answer("--rule", "disp-complaint", "--received", "2026-03-02T12:00")
    assert by_rule["due_at"] == "2026-04-27T23:59:59+01:00"


def test_a_daylight_saving_change_on_a_24_hour_clock() -> None:
    # Sat 31 Oct 12:00 EDT + 24 real hours over the 25-hour Sunday: Sun 11:00 EST.
    found = answer(
        "--business-hours", "24", "--received", "2026-10-31T12:00", "--tz", "America/New_York",
        "--open", "00:00-24:00", "--days", "every day",
    )  # fmt: skip
    assert found["due_at"] == "2026-11-01T11:00:00-05:00"


def test_extensions_and_pauses() -> None:
    found = answer(
        "--rule", "cn-complaint", "--extension", "very-complex", "--received",
        "2026-09-16T10:00+08:00",
    )  # fmt: skip
    assert found["due_at"] == "2026-11-16T23:59:59+08:00"
    # Mon 12 Oct 09:00 + 8h, paused 10:00-14:00: Tue 12:00.
    paused = answer(
        "--business-hours", "8", "--received", "2026-10-12T09:00+08:00", "--calendar", "cn",
        "--tz", "Asia/Shanghai", "--pause", "2026-10-12T10:00/2026-10-12T14:00",
    )  # fmt: skip
    assert paused["due_at"] == "2026-10-13T12:00:00+08:00"


RECEIVED = ("--received", "2026-10-12T09:00+08:00")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--rule", "cn-complain", *RECEIVED), "--rule"),
        (("--rule", "cn-complaint", "--received", "12/10/2026"), "--received"),
        (
            ("--rule", "cn-complaint", "--received", "2026-10-12T09:00+08:00", "--tz", "Mars/X"),
            "--tz",
        ),
        (("--business-hours", "4", *RECEIVED, "--tz", "Mars/Olympus"), "--tz"),
        (("--business-hours", "4", *RECEIVED, "--open", "9-18"), "--open"),
        (("--business-hours", "4", *RECEIVED, "--open", "18:00-09:00"), "--open"),
        (("--business-hours", "4", *RECEIVED, "--days", "weekdays"), "--days"),
        (("--business-hours", "4", *RECEIVED, "--calendar", "zz"), "--calendar"),
        (("--business-hours", "-1", *RECEIVED), "--business-hours"),
        (("--business-hours", "four", *RECEIVED), "--business-hours"),
        (("--business-hours", "4", "--rule", "cn-complaint", *RECEIVED), "--business-hours"),
        (RECEIVED, "--business-hours"),
        (("--rule", "cn-complaint", "--extension", "exceptional", *RECEIVED), "--extension"),
        (("--rule", "cn-complaint", "--open", "09:00-18:00", *RECEIVED), "--open"),
        (("--business-hours", "4", "--extension", "complex", *RECEIVED), "--extension"),
        (("--business-hours", "4", *RECEIVED, "--pause", "2026-10-12T10:00"), "--pause"),
        (("--rule", "cn-complaint"), "--received"),
    ],
)
def test_a_bad_argument_exits_2_naming_it(args: tuple[str, ...], named: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert named in err


def test_a_year_the_china_calendar_does_not_know_fails_clearly() -> None:
    code, out, err = run("--business-hours", "4", "--received", "2027-02-03T10:00+08:00",
                         "--calendar", "cn")  # fmt: skip
    assert code == 1
    assert out == ""
    assert "2027" in err and "chinese-calendar" in err


def test_the_rules_file_setting_overrides_a_rule(tmp_path: Path) -> None:
    override = tmp_path / "rules.yaml"
    override.write_text(
        "rules:\n  disp-complaint:\n    jurisdiction: uk\n    title: {en: Four weeks}\n"
        "    tz: Europe/London\n    calendar: gb-eng\n    period: {count: weeks, n: 4}\n",
        encoding="utf-8",
    )
    code, out, err = run(
        "--rule", "disp-complaint", "--received", "2026-03-02T12:00+00:00",
        env={"WALLETDESK_DEADLINE_RULES_PATH": str(override)},
    )  # fmt: skip
    assert code == 0, err
    # Mon 2 Mar + 28 days = Mon 30 Mar, in summer time.
    assert json.loads(out)["due_at"] == "2026-03-30T23:59:59+01:00"

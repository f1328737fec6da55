"""`make bench`: every benchmark of walletdesk, one after the other, printing BENCH lines.

Each benchmark is a script in this folder that bounds its own run time; a failing one is
reported and the others still run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

BENCHMARKS = (
    "eval_search.py",
    "eval_redaction.py",
    "eval_handover.py",
    "ledger_bench.py",
    "inbox_sla.py",
    "chat.py",
)


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"# {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The cases domain's background jobs: the sweep that raises SLA warnings and breaches."""

from __future__ import annotations

from datetime import timedelta

from walletdesk.cases.sla import escalation
from walletdesk.jobs import JobRun, periodic


@periodic("sla_warnings_and_breaches", every=timedelta(minutes=1))
def sla_sweep(run: JobRun) -> dict[str, int]:
    return escalation.sweep(run.db, now=run.now)

"""A transaction's steps in plain words for the customer. Steps store codes ("risk_check"
with the verdict "pass", "approved" with "automatic"); pages and the API show these phrases
instead, and a step's note only when it is something a person wrote (a rejection reason)."""

from __future__ import annotations

from walletdesk.i18n import N_, gettext

STEPS = {
    "pending": N_("Requested"),
    "processing": N_("Submitted, waiting for the provider"),
    "submitted": N_("Accepted by the provider"),
    "provider_timeout": N_("The provider did not answer in time; we keep checking"),
    "provider_unavailable": N_("The provider could not be reached; we keep checking"),
    "resent": N_("Sent to the provider again by our staff"),
    "risk_check": N_("Risk check"),
    "review": N_("Waiting for staff review"),
    "approved": N_("Approved"),
    "succeeded": N_("Completed"),
    "failed": N_("Failed"),
    "reversed": N_("Reversed"),
    "paid_after_failure": N_(
        "The provider reported this payout as paid after it had failed; our staff are checking it"
    ),
}

# (step, note) pairs whose note is a code with a phrase of its own.
CODED = {
    ("risk_check", "pass"): N_("Risk check passed"),
    ("risk_check", "alert"): N_("Risk check passed"),
    ("risk_check", "review"): N_("Held by the risk check for staff review"),
    ("risk_check", "freeze"): N_("Stopped by the risk check: the account is frozen"),
    ("approved", "automatic"): N_("Approved automatically"),
}

# Steps whose note is always a code (a method's name, a provider's reference), never words.
CODE_NOTES = {"risk_check", "submitted", "paid_after_failure"}


def step_text(step: str, note: str | None, lang: str) -> str:
    msgid = CODED.get((step, note or "")) or STEPS.get(step)
    return gettext(lang, msgid) if msgid else step.replace("_", " ")


def step_note(step: str, note: str | None) -> str:
    """The note to show beside the step: a person's words, not a code."""
    if not note or step in CODE_NOTES or (step, note) in CODED:
        return ""
    return note

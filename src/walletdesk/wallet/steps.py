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


def staff_step_note(step: str, note: str | None, lang: str) -> str:
    """The note beside a step on staff pages: a code said in words (a payment method), none
    when the step's phrase already says it (a risk verdict), or the note as written (a
    provider's reference, a rejection reason)."""
    if not note or (step, note) in CODED:
        return ""
    label = METHOD_NOTES.get(note)
    return gettext(lang, label) if label else note


# Payment methods, which a step's note names by code.
METHOD_NOTES = {
    "bank_card": N_("Bank card"),
    "credit_card": N_("Credit card"),
    "payment_app": N_("Third-party payment app"),
    "crypto": N_("Crypto address (USDT)"),
    "balance": N_("Wallet balance"),
}

"""The cases the system opens for staff to review (a freeze, a payment risk control held, an
account reported stolen, a payout paid after it failed): written in the customer's language
(they read it in their portal), with the payment and the reasons. Called by the subscribers
to the lower domains' events, with plain values.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from walletdesk.cases import service as cases
from walletdesk.cases.lines import Line, line, render_line
from walletdesk.cases.models import Case
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User
from walletdesk.money import format_minor
from walletdesk.payments.signals import PayoutPaidAfterFailure
from walletdesk.risk.rules import REASONS
from walletdesk.risk.signals import PaymentFlagged

SUBJECT_HELD = N_("Security review of payment {reference}")
NEVER_ASK = N_("We never ask for your password or verification codes.")
FROZEN_TODO = N_(
    "What to do: reply on this case or contact support and give the case number. Until the "
    "freeze is lifted, money cannot be sent or withdrawn; you can still sign in and receive "
    "money."
)
# What happened, by the verdict's action.
WHAT = {
    "freeze": N_("Our risk control froze your account after payment {reference} of {amount}."),
    "review": N_("Our risk control held your payment {reference} of {amount} for review."),
}
HELD_TODO = N_(
    "What to do: nothing for now. Our staff will review the payment and reply on this case. "
    "If you did not make it, lock your account in Security settings and reply here."
)


def money(amount_minor: int, currency: str) -> str:
    return f"{format_minor(amount_minor, currency)} {currency}"


def open_for_payment(db: Session, *, user: User, flagged: PaymentFlagged) -> Case:
    """One case for one held or stopped payment, whatever number of rules it tripped."""
    reference = flagged.transaction
    amount = money(flagged.amount_minor, flagged.currency)
    if flagged.action == "freeze":
        title = line(N_("Account frozen for a security review"))
        category, todo = "security", FROZEN_TODO
    else:
        title = line(SUBJECT_HELD, reference=reference)
        category = "deposit_withdrawal" if flagged.tx_kind == "withdrawal" else "transaction"
        todo = HELD_TODO
    reasons = dict.fromkeys(REASONS[rule] for rule in flagged.rules)
    lines = [
        line(WHAT[flagged.action], reference=reference, amount=amount),
        line(N_("Why:")),
        *[line("- {reason}", ("reason",), reason=reason) for reason in reasons],
        line(todo),
        line(NEVER_ASK),
    ]
    return cases.open_review_case(
        db,
        customer_id=user.id,
        category=category,
        subject=render_line(Translator(user.lang), title),
        description=_text(user, lines),
        title=title,
        lines=lines,
        details={
            "transaction_id": reference,
            "occurred_at": flagged.occurred_at.isoformat(),
            "rules": list(flagged.rules),
        },
        amount_minor=flagged.amount_minor,
        currency=flagged.currency,
    )


def open_for_freeze(db: Session, *, user: User, reason: str, ip: str = "") -> Case:
    """The case of a freeze not caused by a payment (a sign-in, or staff without a case)."""
    title = line(N_("Account frozen for a security review"))
    lines = [
        line(N_("Your account was frozen for a security review.")),
        line(N_("Why:")),
        line("- {reason}", ("reason",), reason=reason),
        line(FROZEN_TODO),
        line(NEVER_ASK),
    ]
    return _security_review(db, user=user, title=title, lines=lines, ip=ip)


STOLEN_WHAT = N_("You locked your account and said it was stolen: {reason}")
STOLEN_TODO = N_(
    "What to do: nothing for now. Our staff will review your account's recent activity with "
    "priority and reply on this case. To unlock the account later you will choose a new "
    "password."
)


def open_for_stolen_account(db: Session, *, user: User, reason: str, ip: str = "") -> Case:
    """The priority review of an account its owner locked as stolen."""
    title = line(N_("Account reported stolen: security review"))
    if reason:  # the customer's own words, as written
        what = line(STOLEN_WHAT, reason=reason)
    else:
        what = line(STOLEN_WHAT, ("reason",), reason=N_("(no reason given)"))
    lines = [what, line(STOLEN_TODO), line(NEVER_ASK)]
    return _security_review(
        db, user=user, title=title, lines=lines, details={"self_lock_reason": reason}, ip=ip
    )


def open_for_late_payout(db: Session, *, user: User, paid: PayoutPaidAfterFailure) -> Case:
    """A payout the provider confirmed after it had failed here: staff settle it."""
    reference = paid.transaction
    title = line(N_("Withdrawal {reference} paid after it failed"), reference=reference)
    lines = [
        line(
            N_(
                "The provider reports that withdrawal {reference} of {amount} was paid out, "
                "after it had failed here and the amount had gone back to your balance."
            ),
            reference=reference,
            amount=money(paid.amount_minor, paid.currency),
        ),
        line(
            N_(
                "Our staff will check it with the provider and contact you on this case "
                "before anything changes in your balance."
            ),
        ),
        line(NEVER_ASK),
    ]
    return cases.open_review_case(
        db,
        customer_id=user.id,
        category="deposit_withdrawal",
        subject=render_line(Translator(user.lang), title),
        description=_text(user, lines),
        title=title,
        lines=lines,
        details={
            "transaction_id": reference,
            "occurred_at": paid.occurred_at.isoformat(),
            "provider": paid.provider,
            "provider_ref": paid.provider_ref,
            "failure_code": paid.failure_code,
        },
        amount_minor=paid.amount_minor,
        currency=paid.currency,
    )


def _security_review(
    db: Session,
    *,
    user: User,
    title: Line,
    lines: Sequence[Line],
    details: dict[str, object] | None = None,
    ip: str = "",
) -> Case:
    return cases.open_review_case(
        db,
        customer_id=user.id,
        category="security",
        subject=render_line(Translator(user.lang), title),
        description=_text(user, lines),
        title=title,
        lines=lines,
        details=details,
        ip=ip,
    )


def _text(user: User, lines: Sequence[Line]) -> str:
    """The description in the customer's language, as kept for search."""
    return "\n".join(render_line(Translator(user.lang), item) for item in lines)

"""Case categories and the information each one needs: the single definition that the portal
form, its validation, the JSON API and the JS field switching all read.

Labels, help texts and messages are English msgids; callers translate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from walletdesk.errors import ValidationFailed

# The currencies a case's amount may be in (their decimals: walletdesk.money's one table).
CURRENCIES: tuple[str, ...] = ("CNY", "USD", "USDT")


@dataclass(frozen=True)
class Field:
    """One piece of information a category may ask for. `kind` picks the input widget."""

    name: str
    kind: str  # phone | datetime | money | text | files
    label: str
    missing: str  # shown when the field is required and left empty
    help: str = ""


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    summary: str
    fields: tuple[str, ...]  # in the order the form shows them
    required: frozenset[str] = field(default_factory=frozenset)
    # Guides the description: what happened, when, and the result.
    example: str = ""
    priority: str = "normal"
    # Two fields of which at least one must be given (the first is named when both are empty).
    either: tuple[str, str] | None = None


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "registered_phone",
            "phone",
            "Registered phone number",
            "Enter the phone number registered with your wallet.",
            "The number you sign in to the wallet with.",
        ),
        Field(
            "occurred_at",
            "datetime",
            "Transaction time",
            "Enter when the transaction happened.",
            "Date and time, e.g. 2024-06-01 14:30.",
        ),
        Field(
            "amount",
            "money",
            "Amount",
            "Enter the amount.",
            "The amount of the transaction, and its currency.",
        ),
        Field(
            "transaction_id",
            "text",
            "Transaction ID",
            "Enter the transaction ID.",
            "Shown in the transaction's details in your wallet, e.g. D2606011430AB12CD.",
        ),
        Field(
            "bank_account",
            "text",
            "Bank or card",
            "Enter the transaction ID, or the bank or card the money left and the bank's time "
            "and amount.",
            "No transaction ID because your wallet shows nothing? Name the bank or card "
            "(e.g. ICBC card ending 1234) and give the time and amount of the bank's debit.",
        ),
        Field(
            "error_message",
            "text",
            "Error message",
            "Enter the error message you saw.",
            "Copy the exact message or error code the app showed.",
        ),
        Field(
            "attachments",
            "files",
            "Screenshots",
            "Add at least one screenshot.",
            "PNG, JPEG, GIF, WebP or PDF. Never show your password, codes or recovery phrase.",
        ),
    )
}

_MONEY = ("occurred_at", "amount", "transaction_id", "attachments")
CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category(
            "account",
            "Account",
            "Signing in, verification, changing your phone, a locked or frozen account.",
            ("registered_phone", "attachments"),
            frozenset({"registered_phone"}),
            "What happened: I cannot sign in, the app says my account is locked.\n"
            "When: since yesterday around 20:00.\n"
            "Result: I cannot use my wallet.",
        ),
        Category(
            "transaction",
            "Transaction",
            "A payment or transfer that failed, is pending or went to the wrong place.",
            _MONEY,
            frozenset({"occurred_at", "amount", "transaction_id"}),
            "What happened: I paid a merchant with my wallet.\n"
            "When: 2024-06-01 around 14:30.\n"
            "Result: the payment shows as failed but my balance went down.",
        ),
        Category(
            "deposit_withdrawal",
            "Deposit / withdrawal",
            "Money that has not arrived, or a withdrawal that is delayed or failed.",
            ("occurred_at", "amount", "transaction_id", "bank_account", "attachments"),
            frozenset({"occurred_at", "amount"}),
            "What happened: I deposited money from my bank card.\n"
            "When: 2024-06-01 around 14:30.\n"
            "Result: the bank took the money but my wallet balance did not change.",
            # A bank debit with no record in the wallet has no transaction ID.
            either=("transaction_id", "bank_account"),
        ),
        Category(
            "fees",
            "Fees",
            "A fee you did not expect or think is wrong.",
            _MONEY,
            frozenset({"occurred_at", "amount"}),
            "What happened: I withdrew money to my bank card.\n"
            "When: 2024-06-01.\n"
            "Result: I was charged a fee I did not expect.",
        ),
        Category(
            "security",
            "Security",
            "Suspicious activity, a lost phone or stolen account, a scam attempt.",
            ("registered_phone", "occurred_at", "attachments"),
            frozenset({"registered_phone"}),
            "What happened: I received a login alert that was not me.\n"
            "When: today around 09:00.\n"
            "Result: I changed my password; I want to check my account.",
            priority="high",
        ),
        Category(
            "technical",
            "Technical problem",
            "The app or website shows an error or does not work.",
            ("error_message", "attachments"),
            frozenset({"error_message"}),
            "What happened: the app closes when I open the transfer page.\n"
            "When: since this morning's update.\n"
            "Result: I cannot make transfers.",
        ),
        Category(
            "feedback",
            "Feedback",
            "Ideas and suggestions to make the wallet better.",
            ("attachments",),
            frozenset(),
            "What happened: I often pay the same friends.\n"
            "When: every week.\n"
            "Result: I would like to save them as favourites.",
        ),
        Category(
            "complaint",
            "Complaint",
            "You are unhappy with our service or one of our decisions.",
            ("registered_phone", *_MONEY),
            frozenset({"registered_phone"}),
            "What happened: my withdrawal was refused without a reason.\n"
            "When: 2024-06-01.\n"
            "Result: I still have no answer after three days.",
        ),
    )
}


def get_category(key: str) -> Category:
    category = CATEGORIES.get(key.strip())
    if category is None:
        raise ValidationFailed("Choose a category.", field="category")
    return category

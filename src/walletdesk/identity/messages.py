"""The English texts of security events, alerts and SMS messages, by kind; translated when
shown or sent (in the person's language), so the catalogs must hold every one of them.
"""

from __future__ import annotations

EVENT_LABELS = {
    "registered": "Account created",
    "signed_in": "Signed in",
    "signed_in_new_device": "Signed in from a new device",
    "password_changed": "Password changed",
    "password_reset": "Password reset by SMS code",
    "phone_changed": "Phone number changed",
    "two_step_enabled": "Two-step verification turned on",
    "two_step_disabled": "Two-step verification turned off",
    "backup_codes_created": "New backup codes created",
    "backup_code_used": "Signed in with a backup code",
    "device_signed_out": "A device was signed out",
    "account_locked": "Account locked by you",
    "account_unlocked": "Account unlocked",
    "alerts_changed": "Alert settings changed",
    "kyc_submitted": "Real-name verification submitted",
    "unlocked_by_staff": "Account unlocked by our support team",
    "reset_code_sent_by_staff": "Password reset code sent by our support team",
    "secured_by_staff": "Password and sessions reset by our support team after a theft",
}

ALERT_LABELS = {
    "new_device": (
        "New sign-in from {device}, {location}, at {time}. If this was not you, lock your "
        "account now."
    ),
    "password_reset": (
        "Your password was reset at {time}. If this was not you, lock your account now."
    ),
    "kyc_approved": "Your real-name verification was approved: {level}.",
    "kyc_rejected": "Your real-name verification was not approved: {reason}",
    "unlocked_by_staff": (
        "Our support team unlocked your account at {time}. If you did not ask for this, lock "
        "your account now."
    ),
}

# Transaction alerts (walletdesk.wallet.alerts): on the security page, and texted as well.
TRANSACTION_ALERT_LABELS = {
    "deposit_credited": "Your deposit of {amount} was credited to your wallet. Ref. {reference}",
    "deposit_failed": "Your deposit of {amount} did not go through: {reason} Ref. {reference}",
    "withdrawal_paid": "Your withdrawal of {amount} was paid out. Ref. {reference}",
    "withdrawal_failed": (
        "Your withdrawal of {amount} did not go through: {reason} The held amount is back in "
        "your balance. Ref. {reference}"
    ),
    "transfer_sent": "You sent {amount} to {counterparty}. Ref. {reference}",
    "transfer_received": "You received {amount} from {counterparty}. Ref. {reference}",
    "refund_credited": "A refund of {amount} was credited to your wallet. Ref. {reference}",
    "compensation_credited": (
        "Compensation of {amount} was credited to your wallet. Ref. {reference}"
    ),
    "transaction_failed": "Your payment of {amount} did not go through: {reason} Ref. {reference}",
    "transaction_reversed": "Your payment of {amount} was reversed: {reason} Ref. {reference}",
    # From support's decisions on a case (walletdesk.wallet.owed, .adjustments).
    "debt_waived": "We waived the {amount} you owed after a chargeback: nothing is owed on it now.",
    "fee_waiver_granted": "Your withdrawal and transfer fees are waived until {time}.",
}
ALERT_LABELS.update(TRANSACTION_ALERT_LABELS)

# Risk control (walletdesk.risk): freezes, held payments and unusual sign-ins.
RISK_ALERT_LABELS = {
    "account_frozen": (
        "Your account was frozen at {time} for a security review: {reason} Money cannot be "
        "sent or withdrawn until it is reviewed; you can still sign in and receive money. "
        "Contact support about case {case}. We never ask for your password or codes."
    ),
    "payment_held": (
        "Your payment {reference} of {amount} is held for a security check: {reason} You do "
        "not need to do anything; we will contact you about case {case}."
    ),
    "account_unfrozen": (
        "The freeze on your account was lifted at {time}. You can send and withdraw money again."
    ),
    "account_freeze_lifted": (
        "A freeze on your account was lifted at {time}, but another one is still in force. "
        "Your wallet page shows why and what to do."
    ),
    "risk_notice": (
        "We noticed something unusual about your payment {reference}: {reason} If this was "
        "not you, lock your account now and contact us."
    ),
    "new_location": (
        "New sign-in from {location} at {time}, a kind of place your account was not used "
        "from before. If this was not you, lock your account now."
    ),
}
ALERT_LABELS.update(RISK_ALERT_LABELS)

SMS_TEXTS = {
    "code": (
        "[{brand}] Your verification code is {code}. It expires in 10 minutes. Never share "
        "it with anyone, including our staff."
    ),
    "step_up": (
        "[{brand}] Your code to confirm {action} is {code}. It expires in 10 minutes. If you "
        "are not doing this, lock your account in Security settings now. Never share it."
    ),
    "already_registered": (
        "[{brand}] Someone tried to register with this number, which already has an "
        "account. To get in, sign in or reset your password. No code was issued."
    ),
    "login_alert": (
        "[{brand}] New sign-in to your account from {device} ({location}) at {time}. If this "
        "was not you, lock your account in Security settings or contact us."
    ),
    "password_changed": (
        "[{brand}] Your password was changed at {time}. If this was not you, lock your "
        "account in Security settings or contact us."
    ),
    "phone_changed": (
        "[{brand}] The phone number of your account was changed to {phone} at {time}. If "
        "this was not you, contact us at once."
    ),
    "unlocked_by_staff": (
        "[{brand}] Our support team unlocked your account at {time}. If you did not ask for "
        "this, lock your account in Security settings or contact us."
    ),
    "secured_by_staff": (
        "[{brand}] As your account was reported stolen, our support team reset its password "
        "and signed out every device at {time}. Choose a new password with Forgot password."
    ),
}

LOCATION_LABELS = {
    "local": "Local network",
    "public": "Internet",
    "unknown": "Unknown location",
}

KYC_LEVEL_LABELS = {
    "unverified": "Not verified",
    "basic": "Basic (ID document)",
    "advanced": "Advanced (ID document and photo)",
}

KYC_STATUS_LABELS = {
    "pending": "Waiting for review",
    "approved": "Approved",
    "rejected": "Not approved",
}

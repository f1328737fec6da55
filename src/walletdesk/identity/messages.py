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
}

ALERT_LABELS = {
    "new_device": (
        "New sign-in from {device} ({location}) at {time}. If this was not you, lock your "
        "account now."
    ),
    "password_reset": (
        "Your password was reset at {time}. If this was not you, lock your account now."
    ),
    "kyc_approved": "Your real-name verification was approved: {level}.",
    "kyc_rejected": "Your real-name verification was not approved: {reason}",
}

SMS_TEXTS = {
    "code": (
        "[{brand}] Your verification code is {code}. It expires in 10 minutes. Never share "
        "it with anyone, including our staff."
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

"""What each staff role may do to a customer's account: one table, checked by the service
functions that do it (never only by the page that offers the button).
"""

from __future__ import annotations

from walletdesk.errors import Forbidden
from walletdesk.identity.models import User

# permission → the least role that holds it (roles are cumulative: see User.has_role).
PERMISSIONS: dict[str, str] = {
    "customer.view": "agent",  # the customer panel on a case, personal data masked
    "customer.reveal": "supervisor",  # show a masked phone / ID number in full (audited)
    "account.unlock": "agent",  # lift a lock after wrong passwords or a self-lock
    "account.freeze": "agent",  # freeze an account by hand
    "account.unfreeze.request": "agent",
    "account.unfreeze.approve": "supervisor",
    "ledger.adjust.request": "agent",  # a fee refund or compensation, with a case as reference
    "ledger.adjust.approve": "supervisor",
    "withdrawal.retry": "agent",
    "withdrawal.cancel": "agent",
    "password_reset.send": "agent",
    "conversation.work": "agent",  # answer, assign, transfer and close conversations
    "jobs.retry": "admin",  # give a failed background job (an SMS, an alert) fresh tries
}


def can(user: User | None, permission: str) -> bool:
    if user is None or not user.is_active:
        return False
    return user.has_role(PERMISSIONS[permission])


def require_permission(user: User | None, permission: str) -> User:
    if user is None or not can(user, permission):
        raise Forbidden("You are not allowed to do this.", code="permission_denied")
    return user

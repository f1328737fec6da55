"""Risk control listens to identity: every customer's sign-in is assessed against the rules
(a new device or a new kind of place) in the sign-in's own transaction.

`subscribe()` is called at start-up by app.register_subscribers.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from walletdesk.events import Phase
from walletdesk.events import subscribe as on
from walletdesk.identity import service as identity
from walletdesk.identity.models import Device
from walletdesk.identity.signals import SignedIn
from walletdesk.risk import service as risk


def signed_in(db: Session, event: SignedIn) -> None:
    device = db.get(Device, event.device_id)
    if device is None:  # published with the device it just recorded: cannot be missing
        raise LookupError(f"device {event.device_id} of a sign-in is missing")
    user = identity.get_user(db, user_id=event.user_id)
    risk.assess_login(db, user=user, device=device, new_device=event.new_device, ip=event.ip)


def subscribe() -> None:
    on(SignedIn, signed_in, phase=Phase.IN_TRANSACTION)

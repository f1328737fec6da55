"""Devices people sign in from: a readable label from the user agent, a coarse location from
the address (no outside GeoIP service), the list in security settings and signing one out.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from walletdesk.db import utcnow
from walletdesk.errors import NotFound
from walletdesk.identity.models import AuthSession, Device

# Checked in order: the first browser and the first system that match name the device.
_BROWSERS = (
    ("WalletDesk app", r"WalletDesk/"),
    ("WeChat", r"MicroMessenger/"),
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"(Firefox|FxiOS)/"),
    ("Chrome", r"(Chrome|CriOS)/"),
    ("Safari", r"Version/[\d.]+.*Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def device_label(user_agent: str) -> str:
    """ "Chrome on Windows", "WalletDesk app on iPhone", or the agent's first word for tools."""
    browser = next((name for name, rx in _BROWSERS if re.search(rx, user_agent)), "")
    system = next((name for name, rx in _SYSTEMS if re.search(rx, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    first = user_agent.split(" ", 1)[0].split("/", 1)[0].strip()
    return first[:60] or "Unknown device"


def coarse_location(ip: str) -> str:
    """'local' for loopback and private networks, 'public' otherwise, 'unknown' when not an
    address. A GeoIP database can refine 'public' later; no outside service is asked."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.is_loopback or address.is_private or address.is_link_local:
        return "local"
    return "public"


def key_hash(device_key: str) -> str:
    return hashlib.sha256(device_key.encode()).hexdigest()


def seen_device(
    db: Session, *, user_id: int, device_key: str, user_agent: str, ip: str
) -> tuple[Device, bool]:
    """The device row for this sign-in, created when new; returns (device, is_new)."""
    digest = key_hash(device_key)
    device = db.scalar(select(Device).where(Device.user_id == user_id, Device.key_hash == digest))
    is_new = device is None
    if device is None:
        device = Device(user_id=user_id, key_hash=digest, label=device_label(user_agent))
        db.add(device)
    device.user_agent = user_agent[:255]
    device.last_seen_at = utcnow()
    device.last_ip = ip[:64]
    device.last_location = coarse_location(ip)
    db.flush()
    return device, is_new


def has_devices(db: Session, *, user_id: int) -> bool:
    return db.scalar(select(Device.id).where(Device.user_id == user_id).limit(1)) is not None


@dataclass
class DeviceView:
    device: Device
    active_sessions: int

    @property
    def last_seen_at(self) -> datetime:
        return self.device.last_seen_at


def devices_of(db: Session, *, user_id: int) -> list[DeviceView]:
    """The person's devices, most recently seen first, with their live sessions counted."""
    now = utcnow()
    live = dict(
        db.execute(
            select(AuthSession.device_id, func.count(AuthSession.id))
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
                AuthSession.device_id.is_not(None),
            )
            .group_by(AuthSession.device_id)
        ).all()
    )
    rows = db.scalars(
        select(Device).where(Device.user_id == user_id).order_by(Device.last_seen_at.desc())
    )
    return [DeviceView(row, int(live.get(row.id, 0))) for row in rows]


def sign_out_device(db: Session, *, user_id: int, device_id: int) -> Device:
    """Revoke every session of one of the person's own devices."""
    device = db.scalar(select(Device).where(Device.id == device_id, Device.user_id == user_id))
    if device is None:
        raise NotFound()
    db.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.device_id == device.id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    db.flush()
    return device

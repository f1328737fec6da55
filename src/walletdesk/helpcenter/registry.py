"""The registry of official channels: listing them, answering "is this really you?" and the
admins' changes to it.

Functions flush, never commit; every change writes an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from walletdesk.audit import service as audit
from walletdesk.errors import Conflict, NotFound, ValidationFailed
from walletdesk.helpcenter import channels, lookalikes, seedfiles
from walletdesk.helpcenter.models import CHANNEL_KINDS, OfficialChannel
from walletdesk.i18n import N_, Translator
from walletdesk.identity.models import User

SEED_PATH = Path(__file__).with_name("seed.yaml")
VERIFY_ARTICLE = "/help/articles/verify-official-channel"
CHANNELS_PAGE = "/help/official-channels"


OFFICIAL = lookalikes.Diagnosis("official")


@dataclass(frozen=True)
class ChannelCheck:
    official: bool
    channel: OfficialChannel | None
    kind: str | None  # what the value looked like: phone, website, email, social or app
    why: lookalikes.Diagnosis = OFFICIAL

    @property
    def reason(self) -> str:
        return self.why.reason


@lru_cache(maxsize=1)
def seed_data() -> seedfiles.Seed:
    """seed.yaml, checked against its schema (SeedFileInvalid names the entry)."""
    return seedfiles.load(seedfiles.Seed, SEED_PATH)


def list_channels(db: Session) -> list[OfficialChannel]:
    order = case({kind: i for i, kind in enumerate(CHANNEL_KINDS)}, value=OfficialChannel.kind)
    return list(
        db.scalars(
            select(OfficialChannel).order_by(order, OfficialChannel.position, OfficialChannel.id)
        )
    )


def get_channel(db: Session, *, channel_id: int) -> OfficialChannel:
    channel = db.get(OfficialChannel, channel_id)
    if channel is None:
        raise NotFound()
    return channel


def check_value(db: Session, *, value: str) -> ChannelCheck:
    """Whether `value` (a number, link, email, handle or app name, in any usual format) is
    one of ours. Anything not in the registry is not official."""
    readings = channels.candidates(value)
    if not readings:
        raise ValidationFailed(
            "Paste the phone number, link, email address or account name to check.",
            field="value",
        )
    registered = list_channels(db)
    for reading in readings:
        for channel in registered:
            if channel.kind != reading.kind:
                continue
            if reading.kind == "website":
                if channels.website_matches(reading.key, channel.match_key):
                    return ChannelCheck(True, channel, reading.kind)
            elif reading.key == channel.match_key:
                return ChannelCheck(True, channel, reading.kind)
    first = readings[0]
    why = lookalikes.diagnose(
        raw=value,
        kind=first.kind,
        key=first.key,
        registry=[(c.kind, c.match_key, c.value) for c in registered],
    )
    return ChannelCheck(False, None, first.kind, why)


# Why a value is not ours, in the asker's words; {official} is what it imitates, {seen} what
# it really is.
REASONS = {
    "lookalike_domain": N_(
        "This address imitates our domain {official}, but it is a different website ({seen})."
    ),
    "subdomain_trick": N_(
        "The address only starts with {official}: the website it really opens is {seen}."
    ),
    "disguised_link": N_("This link shows {official} but really opens {seen}."),
    "unknown_website": N_("This website ({seen}) is not ours: our websites end in {official}."),
    "lookalike_email": N_(
        "This email address imitates our domain {official}: it comes from {seen}."
    ),
    "free_email": N_("This address is at a free mail service ({seen}): we never write from one."),
    "unknown_email": N_(
        "We do not use this email address: ours end in @{official} and are listed on the "
        "official channels page."
    ),
    "lookalike_number": N_(
        "This number is one or two digits away from our number {official}: it is not ours."
    ),
    "unknown_number": N_("This is not one of our phone numbers."),
    "lookalike_handle": N_(
        "This account name imitates our account {official}, but it is a different account."
    ),
    "unknown_handle": N_("This is not one of our accounts."),
}


def reason_text(check: ChannelCheck, _: Translator) -> str:
    """Why the value is not ours (empty when it is)."""
    message = REASONS.get(check.reason)
    if message is None:
        return ""
    return _(message, official=check.why.resembles or "", seen=check.why.seen or "")


def advice(
    check: ChannelCheck, _: Translator, *, with_link: bool = True, with_reason: bool = True
) -> str:
    """Why and what to do next, in the asker's language; pages show the article link and the
    reason on their own."""
    if check.official and check.kind == "phone":
        parts = [
            _("This is an official WalletDesk number."),
            _("Caller ID can be faked: hang up and call this number back yourself."),
            _("We never ask for your password, SMS codes, recovery phrase or private keys."),
        ]
    elif check.official:
        parts = [
            _("This is an official WalletDesk channel."),
            _("We never ask for your password, SMS codes, recovery phrase or private keys."),
            _("Nor do we ever ask you to move money to a safe account."),
        ]
    else:
        parts = [
            _("This is not one of our official channels."),
            reason_text(check, _) if with_reason else "",
            _("Hang up or stop replying, and do not click its links."),
            _("Never share your password, SMS codes, recovery phrase or private keys."),
        ]
        if with_link:
            parts += [
                _("Contact us only through the official channels at {url}.", url=CHANNELS_PAGE),
                _("How to spot fake support: {url}", url=VERIFY_ARTICLE),
            ]
        else:
            parts.append(_("Contact us only through the official channels listed on this page."))
    # Chinese sentences end in full-width punctuation and need no space between them.
    return ("" if _.lang == "zh" else " ").join(part for part in parts if part)


def _fields(
    *,
    kind: str,
    value: str,
    label_zh: str,
    label_en: str,
    region: str,
    notes_zh: str,
    notes_en: str,
) -> dict[str, str]:
    if kind not in CHANNEL_KINDS:
        raise ValidationFailed("Unknown channel kind.", field="kind")
    value = value.strip()
    if not value or len(value) > 200:
        raise ValidationFailed("Enter the number, address, link or account name.", field="value")
    for name, text, limit in (
        ("label_zh", label_zh, 200),
        ("label_en", label_en, 200),
        ("region", region, 100),
        ("notes_zh", notes_zh, 500),
        ("notes_en", notes_en, 500),
    ):
        if len(text.strip()) > limit:
            raise ValidationFailed("At most {limit} characters.", field=name, limit=limit)
    return {
        "kind": kind,
        "value": value,
        "match_key": channels.channel_key(kind, value),
        "label_zh": label_zh.strip(),
        "label_en": label_en.strip(),
        "region": region.strip(),
        "notes_zh": notes_zh.strip(),
        "notes_en": notes_en.strip(),
    }


def _check_unique(db: Session, *, kind: str, key: str, exclude: int | None) -> None:
    query = select(OfficialChannel.id).where(
        OfficialChannel.kind == kind, OfficialChannel.match_key == key
    )
    if exclude is not None:
        query = query.where(OfficialChannel.id != exclude)
    if db.scalar(query) is not None:
        raise Conflict("This channel is already in the registry.", field="value")


def add_channel(db: Session, *, actor: User | None, ip: str = "", **fields: str) -> OfficialChannel:
    values = _fields(**fields)
    _check_unique(db, kind=values["kind"], key=values["match_key"], exclude=None)
    last = db.scalar(select(func.max(OfficialChannel.position)))
    channel = OfficialChannel(**values, position=(last or 0) + 1)
    db.add(channel)
    db.flush()
    if actor is not None:
        _audit(db, actor=actor, ip=ip, action="channel.added", channel=channel)
    return channel


def update_channel(
    db: Session, *, channel: OfficialChannel, actor: User, ip: str = "", **fields: str
) -> OfficialChannel:
    values = _fields(**fields)
    _check_unique(db, kind=values["kind"], key=values["match_key"], exclude=channel.id)
    before = {"kind": channel.kind, "value": channel.value}
    for name, value in values.items():
        setattr(channel, name, value)
    db.flush()
    _audit(db, actor=actor, ip=ip, action="channel.updated", channel=channel, before=before)
    return channel


def remove_channel(db: Session, *, channel: OfficialChannel, actor: User, ip: str = "") -> None:
    _audit(db, actor=actor, ip=ip, action="channel.removed", channel=channel)
    db.delete(channel)
    db.flush()


def _audit(
    db: Session, *, actor: User, ip: str, action: str, channel: OfficialChannel, **extra: Any
) -> None:
    audit.record(
        db,
        actor_id=actor.id,
        action=action,
        subject_type="official_channel",
        subject_id=channel.id,
        details={"kind": channel.kind, "value": channel.value, **extra},
        ip=ip,
    )


def seed_channels(db: Session) -> int:
    """The channels of the facts table, when the registry is empty."""
    if db.scalar(select(func.count(OfficialChannel.id))):
        return 0
    items = seed_data().official_channels
    for item in items:
        add_channel(
            db,
            actor=None,
            kind=item.kind,
            value=item.value,
            label_zh=item.label.zh,
            label_en=item.label.en,
            region=item.region,
            notes_zh=item.notes.zh,
            notes_en=item.notes.en,
        )
    return len(items)

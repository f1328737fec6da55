"""Settings: every WALLETDESK_* variable, read once into one object.

Nothing reads the environment at import time; `create_app(settings)` and the CLI pass it on.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALLETDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    search_model_dir: Path | None = None  # empty: the data dir (the built help-search model)
    search_model: bool = True  # false: help search ranks with BM25 alone (no model loaded)
    database_url: str = ""  # empty: SQLite file under data_dir
    redis_url: str = ""  # empty: in-process fan-out
    secret_key: str = ""  # empty: generated once and kept in data_dir/secret.key
    base_url: str = "http://127.0.0.1:8000"
    default_lang: str = "zh"
    cookie_secure: bool = False  # set true behind HTTPS
    session_hours: int = 12
    api_token_hours: int = 24
    upload_max_bytes: int = 5 * 1024 * 1024
    # After login_max_failures wrong passwords (or codes) in a row, a login's checks pause
    # for login_delay_seconds, doubling with each further wrong try up to login_lock_minutes;
    # unknown logins are answered the same way. An SMS unlock or a password reset lifts it.
    login_max_failures: int = 5
    login_delay_seconds: int = 60
    login_lock_minutes: int = 30
    login_throttle_per_minute: int = 10
    # Addresses (IPs or CIDRs, comma-separated) of the reverse proxies whose X-Forwarded-For
    # is believed; empty: the header is ignored and the peer address is the client's.
    trusted_proxies: str = ""
    # Money leaving the wallet at or above this (CNY-equivalent, major units), or the first
    # time in a session on a device new to the account, needs a step-up code (identity.step_up).
    step_up_threshold_cny: int = 1000
    # Argon2id cost of password hashes (argon2-cffi's RFC 9106 "low memory" profile by
    # default). Tests lower it to hash quickly; never lower it for the demo or production.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    # Requests per client address per minute on public endpoints (0: no limit).
    rate_limit_redact_per_minute: int = 60
    rate_limit_help_search_per_minute: int = 60
    rate_limit_help_suggest_per_minute: int = 240  # asked as the customer types
    rate_limit_channel_check_per_minute: int = 30
    timezone: str = "Asia/Shanghai"
    brand: str = Field(default="WalletDesk")
    # SMS: "sandbox" keeps messages in the sms_outbox table; "http" posts them to a
    # Twilio-style Messages API at sms_http_url with basic auth.
    sms_provider: str = "sandbox"
    sms_http_url: str = "https://api.twilio.com"
    sms_http_account: str = ""
    sms_http_token: str = ""
    sms_sender: str = ""  # empty: the brand name
    sms_outbox_visible: bool | None = None  # /dev/sms-outbox; None: on for SQLite (the demo)
    # Payments: the provider adapter's address (the sandbox: `walletdesk simulate payments`).
    payments_sandbox_url: str = "http://127.0.0.1:8900"
    payments_webhook_secret: str = ""  # empty: derived from the signing key
    payments_webhook_base_url: str = ""  # where providers post webhooks; empty: base_url
    payments_http_timeout_seconds: float = 10.0
    payments_webhook_max_age_seconds: int = 300
    withdrawal_review_threshold_cny: int = 50_000  # CNY-equivalent, major units
    # The largest amount anyone may type, in major units of any currency (walletdesk.money).
    max_amount_major: int = Field(default=1_000_000_000, gt=0)
    payments_cny_rates: dict[str, str] = Field(
        default_factory=lambda: {
            "CNY": "1",
            "USD": "7.2",
            "USDT": "7.2",
            "HKD": "0.92",
            "EUR": "7.8",
        }
    )
    deposit_confirm_timeout: int = 24 * 3600  # seconds before a deposit shows "not received"
    # Risk-control rules (walletdesk/risk/rules.yaml); a file here overrides them rule by rule.
    risk_rules_path: Path | None = None
    # Legal complaint deadlines and escalation bodies (walletdesk/cases/sla/rules.yaml); a file
    # here overrides its rules, jurisdictions and regions entry by entry.
    deadline_rules_path: Path | None = None
    # SLA policies (walletdesk/cases/sla/policies.yaml: the team's business hours, holidays and
    # response and resolution targets); a file here replaces the entries it names.
    sla_policies_path: Path | None = None
    # Background jobs (periodic timers, and the retries of queued one-off jobs): "inline" runs
    # them in a thread of each web process (the demo); "off" when `walletdesk worker` processes
    # run them. Leases keep one runner per job at a time.
    jobs: Literal["inline", "off"] = "inline"
    # More modules whose jobs are registered (comma-separated dotted names), beside JOB_MODULES.
    jobs_modules: str = ""
    # PostgreSQL: a procrastinate worker whose heartbeat is older than this is dead, and the
    # job it was running is given to another worker.
    jobs_stalled_seconds: float = 30.0
    # When people answer chats: "<time zone> HH:MM-HH:MM", every day. Outside them a chat that
    # asks for a person becomes a case and the customer is told when someone will answer.
    support_hours: str = "Asia/Shanghai 09:00-21:00"
    # Pages of other sites that may embed the chat widget (origins, comma-separated): their
    # WebSocket connections are accepted beside the service's own host.
    widget_origins: str = ""
    # Chat limits: the longest message, and messages per minute per connection and per
    # customer (or visitor).
    chat_max_chars: int = 4000
    rate_limit_chat_per_minute: int = 30

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'walletdesk.db').resolve()}"

    @property
    def model_dir(self) -> Path:
        return self.search_model_dir or self.data_dir

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)

    def cny_rates(self) -> dict[str, Decimal]:
        """CNY for one unit of each currency: limits, review threshold and risk amounts."""
        return {code: Decimal(rate) for code, rate in self.payments_cny_rates.items()}

    def signing_key(self) -> str:
        """The configured secret, else one generated on first use and kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        self.ensure_dirs()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


def settings_of(db: Session) -> Settings | None:
    """The settings the app or the CLI gave its sessions; None in a bare session (tests)."""
    found = db.info.get("settings")
    return found if isinstance(found, Settings) else None


def service_settings(db: Session) -> Settings:
    """The session's settings, else the defaults (time zone, rates) in a bare session."""
    return settings_of(db) or Settings.model_construct()


def cny_rates_of(db: Session) -> dict[str, Decimal]:
    """The CNY rates of the session's settings, else the defaults."""
    return service_settings(db).cny_rates()

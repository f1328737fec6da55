"""Files that belong to a database row: written beside the transaction that records them.

A file written during a transaction is kept when it commits and deleted when it rolls back,
so a failed request never leaves an orphan upload behind.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

_WRITTEN = "walletdesk.uploads.written"


def write_in_transaction(db: Session, *, path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` at `path` atomically (via a .part file) and tie it to `db`'s transaction."""
    db.connection()  # begin the transaction now, so that its end is seen even if nothing else ran
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.chmod(mode)
    partial.replace(path)
    _written_in(db).append(path)


def _written_in(db: Session) -> list[Path]:
    written: list[Path] | None = db.info.get(_WRITTEN)
    if written is None:
        written = db.info[_WRITTEN] = []

        def kept(_session: Session) -> None:
            written.clear()

        def dropped(_session: Session, _previous: object) -> None:
            for path in written:
                path.unlink(missing_ok=True)
            written.clear()

        event.listen(db, "after_commit", kept)
        event.listen(db, "after_soft_rollback", dropped)
    return written

"""An uploaded file lives and dies with the transaction that records it."""

from __future__ import annotations

from walletdesk.uploads import write_in_transaction


def test_file_is_kept_on_commit_and_removed_on_rollback(db, tmp_path):
    kept = tmp_path / "uploads" / "kept.png"
    write_in_transaction(db, path=kept, data=b"one")
    db.commit()
    assert kept.read_bytes() == b"one"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"

    dropped = tmp_path / "uploads" / "dropped.png"
    write_in_transaction(db, path=dropped, data=b"two")
    assert dropped.exists()
    db.rollback()
    assert not dropped.exists()
    assert kept.exists()

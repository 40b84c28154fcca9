"""``flask backup`` and ``flask restore``: a consistent copy of the books, and the way back.

SQLite uses its online backup API (a consistent copy while the app keeps serving); PostgreSQL uses
``pg_dump``'s custom format and ``pg_restore``, which bring the ledger's triggers back after the
rows, so restored posted lines are as immutable as they were. A restore is followed by
``flask ledger verify``: a copy that does not prove its books is reported, not trusted.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import db


class BackupError(RuntimeError):
    """A backup or restore that could not be carried out; the message says why."""


def _sqlite_file() -> str:
    """The file the app's connections really open (``PRAGMA database_list``, not the URL)."""
    with db.engine.connect() as conn:
        for _seq, name, path in conn.exec_driver_sql("PRAGMA database_list"):
            if name == "main":
                if not path:
                    raise BackupError("the database lives in memory; there is no file to back up")
                return path
    raise BackupError("no main database")  # pragma: no cover


def _libpq_url() -> str:
    """The URL without SQLAlchemy's driver name, as pg_dump and pg_restore take it."""
    return make_url(db.engine.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{os.path.basename(args[0])} failed: {done.stderr.strip()}")


def backup(target: str | Path) -> Path:
    """Write a consistent copy of the database to ``target`` (refuses to overwrite a file)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    if db.engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_file())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
              _libpq_url()])
    return target


def restore(source: str | Path) -> None:
    """Replace the database's content with the backup at ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        if not _is_sqlite_file(source):
            raise BackupError(f"{source} is not a SQLite backup")
        target = sqlite3.connect(_sqlite_file())
        backup_file = sqlite3.connect(source)
        try:
            backup_file.backup(target)
        finally:
            backup_file.close()
            target.close()
    else:
        db.engine.dispose()  # no pooled connection may hold a lock on a table being replaced
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={_libpq_url()}", str(source)])
    db.engine.dispose()


def _is_sqlite_file(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(16) == b"SQLite format 3\x00"


def counts() -> dict[str, int]:
    """Rows in the tables that matter to an accountant, to show what a backup holds."""
    names = ("households", "weigh_slips", "settlements", "payments", "vouchers", "voucher_lines", "audit_events")
    with db.engine.connect() as conn:
        return {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}

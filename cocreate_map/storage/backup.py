"""Whole-database backups with each database's own tool.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent snapshot
while the app keeps writing. PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the
server's own client programs (Debian package ``postgresql-client``).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from cocreate_map.errors import InvalidInput, NotFound

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://u@h/db`` → ``postgresql://u@h/db`` for pg_dump/pg_restore."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput(key="backup.sqlite_memory")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise NotFound(key="backup.tool_missing", tool=name)
    return found


def backup(url: str, out: Path) -> int:
    """Write a backup of the database at ``url`` to ``out``; returns its size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not path.exists():
            raise NotFound(key="backup.no_database", path=str(path))
        tmp = out.with_name(out.name + ".part")
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(path) as source, sqlite3.connect(tmp) as target:
            source.backup(target)
        target.close()
        source.close()
        tmp.replace(out)
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={out}", libpq_url(url)])
    return out.stat().st_size


def restore(url: str, backup_file: Path) -> None:
    """Replace the database at ``url`` with the contents of ``backup_file``."""
    if not backup_file.is_file():
        raise NotFound(key="backup.no_file", path=str(backup_file))
    head = backup_file.read_bytes()[:16]
    if url.startswith("sqlite"):
        if not head.startswith(SQLITE_MAGIC):
            raise InvalidInput(key="backup.not_sqlite", path=str(backup_file))
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(backup_file) as source, sqlite3.connect(path) as target:
            source.backup(target)
        target.close()
        source.close()
    else:
        if not head.startswith(PGDUMP_MAGIC):
            raise InvalidInput(key="backup.not_pgdump", path=str(backup_file))
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={libpq_url(url)}",
                str(backup_file),
            ]
        )


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise InvalidInput(
            key="backup.tool_failed",
            tool=Path(cmd[0]).name,
            detail=detail[-1] if detail else str(done.returncode),
        )

"""The server secret: the key of the household-code hashes and of session fingerprints.

It lives in a file outside the database (default ``var/cocreate-secret.key``, setting
``COCREATE_SECRET_FILE``), created on first use with owner-only permissions (0600), so a copy of
the database alone does not let anyone test household codes offline. Losing the file makes every
household code stop working: back it up with the database, keep it apart from database dumps.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from pathlib import Path

from cocreate_map import config
from cocreate_map.errors import InvalidInput

SECRET_BYTES = 32


def secret_path() -> Path:
    raw: str = config.get("secret_file")
    return Path(raw) if raw else config.PROJECT_ROOT / "var" / "cocreate-secret.key"


@cache
def _load(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:  # first use: write a fresh key (O_EXCL: parallel first starts create one key only)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(SECRET_BYTES) + "\n")
    text = ""
    for _ in range(50):  # another process may be between its create and its write
        text = path.read_text(encoding="ascii").strip()
        if text:
            break
        import time

        time.sleep(0.02)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise InvalidInput(
            f"the secret file {path} is damaged (expected {SECRET_BYTES * 2} hex digits); "
            "restore it from the backup (a new one makes every household code stop working)"
        )
    return key


def server_secret() -> bytes:
    """The key (32 bytes), created with mode 0600 on first use."""
    return _load(secret_path().resolve())

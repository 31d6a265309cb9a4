"""Settings, declared once. Nothing else in the package reads ``os.environ``.

Each setting is read from the environment variable ``COCREATE_<NAME>``; ``tests/test_docs.py``
checks that every one is documented in README.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cocreate_map.errors import InvalidInput, Term

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return f"COCREATE_{self.name.upper()}"


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError("positive_int") from None
    if value <= 0:
        raise ValueError("positive_int")
    return value


def _lang(raw: str) -> str:
    if raw not in ("zh", "en"):
        raise ValueError("lang")
    return raw


# What a parser's ValueError("<expects>") means, for the message (English for the CLI).
EXPECTS = {"positive_int": "must be a positive whole number", "lang": "must be zh or en"}


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting(
            "database_url",
            "",
            "SQLAlchemy URL of the database. Empty: a SQLite file var/cocreate.sqlite3 in the "
            "project folder. PostgreSQL/PostGIS: postgresql+psycopg://user@host/db",
        ),
        Setting(
            "max_upload_mb",
            "50",
            "Largest file the import accepts, in megabytes (UI upload and CLI).",
            _positive_int,
        ),
        Setting(
            "max_features",
            "50000",
            "Largest number of features one import may carry.",
            _positive_int,
        ),
        Setting(
            "max_unpacked_mb",
            "100",
            "Largest total a zip may unpack to, in megabytes (counted from the members' headers "
            "before anything is written, then byte by byte while unpacking).",
            _positive_int,
        ),
        Setting(
            "max_vertices",
            "500000",
            "Largest number of vertices (coordinate points) one import may carry in all.",
            _positive_int,
        ),
        Setting(
            "max_feature_vertices",
            "50000",
            "Largest number of vertices one feature (or a mark a resident draws) may have; a "
            "polygon above it makes every map view slow and is refused before any work.",
            _positive_int,
        ),
        Setting(
            "max_photo_megapixels",
            "50",
            "Largest photo in megapixels (width × height), checked from the file's header before "
            "decoding. JPEG is decoded at reduced scale; PNG and WebP above 12 megapixels are "
            "refused (save them as JPEG).",
            _positive_int,
        ),
        Setting(
            "max_heavy_jobs",
            "2",
            "How many imports and photos one app process reads at the same time; more wait up to "
            "5 s, then are asked to try again in a minute. Per process: each replica has its own.",
            _positive_int,
        ),
        Setting(
            "max_extent_km",
            "10",
            "Largest extent one community may have; a file covering more (a whole district, or "
            "projected coordinates read as degrees) is refused.",
            _positive_int,
        ),
        Setting(
            "max_distance_km",
            "2",
            "Imported data farther than this from an existing community's boundary is refused "
            "(a wrong CRS or coordinate system is the usual cause).",
            _positive_int,
        ),
        Setting("default_lang", "zh", "Language of the UI when none is chosen: zh or en.", _lang),
        Setting(
            "load_demo",
            "1",
            "1: load the demo community on first start when the database has no community; 0: do not.",
            lambda raw: raw not in ("0", "false", "no", ""),
        ),
        Setting(
            "public_url",
            "",
            "Address residents' phones reach the app at (http://192.168.1.20:8501, "
            "https://cotton.example.cn); the hall QR code, household slips, notices and the meeting "
            "pack link here. Empty: the address the host's browser used to open the app, or this "
            "machine's LAN address (port 8501) when that was localhost. Slips and packs are not "
            "printed with a localhost address unless --allow-loopback.",
        ),
        Setting(
            "admin_password",
            "",
            "Bootstrap admin: user name admin with this password (at least 12 characters) signs in "
            "to the staff pages until a real admin account exists (create one with cocreate user "
            "add NAME --role admin); wrong passwords are throttled like staff accounts'. "
            "Empty: only staff accounts sign in.",
        ),
        Setting(
            "secret_file",
            "",
            "File of the server secret that keys household-code hashes (created on first use, "
            "owner-only 0600). Empty: var/cocreate-secret.key in the project folder. Keep it out "
            "of database dumps and back it up: without it no household code works.",
        ),
        Setting(
            "trusted_proxies",
            "",
            "Comma-separated addresses of reverse proxies (the district nginx) whose "
            "X-Forwarded-For header names the visitor; sign-in throttles count per visitor address. "
            "Empty: the address of the connection itself.",
        ),
        Setting(
            "max_photo_mb",
            "8",
            "Largest photo a resident may attach to a mark, in megabytes.",
            _positive_int,
        ),
        Setting(
            "data_dir",
            "",
            "Folder outside the database for the audit signing key (Ed25519, owner-only, created "
            "on first use) and the signed heads of the audit chains. Empty: var/ in the project "
            "folder. Keep it on the app server and back it up apart from the database.",
        ),
        Setting(
            "audit_checkpoint_every",
            "20",
            "The audit chain's head is signed (a checkpoint in the database) at every ballot close "
            "and notice, every this many entries, and at the first entry after an hour without one.",
            _positive_int,
        ),
    ]
}


def get(name: str) -> Any:
    """Return the parsed value of setting ``name``."""
    setting = SETTINGS[name]
    raw = os.environ.get(setting.env, setting.default)
    try:
        return setting.parse(raw)
    except ValueError as exc:
        expects = str(exc) if str(exc) in EXPECTS else "valid"
        raise InvalidInput(
            key="config.invalid",
            env=setting.env,
            raw=repr(raw),
            expects=Term(f"config.expects.{expects}", EXPECTS.get(expects, "must be valid")),
            help=Term(f"config.help.{setting.name}", setting.help),
        ) from None


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``, for the processes we start (replicas)."""
    return {**os.environ, **overrides}


def database_url() -> str:
    url: str = get("database_url")
    if url:
        return url
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / 'cocreate.sqlite3'}"


def data_dir() -> Path:
    """The folder of the audit key and signed heads (created, owner-only)."""
    raw: str = get("data_dir")
    folder = Path(raw) if raw else PROJECT_ROOT / "var"
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def static_dir() -> Path:
    """Streamlit serves ``static/`` beside ``app.py`` at ``/app/static/`` (enableStaticServing)."""
    return PROJECT_ROOT / "static"

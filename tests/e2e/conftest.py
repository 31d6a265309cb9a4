"""Fixtures for real-browser tests: a free port, a `streamlit run app.py` server on a fresh SQLite
database (the demo loads on first start), and Debian's Chromium driven by Playwright.

With CI=true a missing /usr/bin/chromium or missing map assets fail the run instead of skipping.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Chromium tests must run, not skip)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _wait_healthy(server: Server, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {server.process.returncode}:\n"
                + server.log.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(f"{server.base_url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {timeout_s:.0f} s")


@pytest.fixture(scope="session")
def map_assets() -> None:
    from cocreate_map.io import assets

    if assets.missing():
        _unavailable(
            f"map assets missing ({', '.join(assets.missing())}); "
            "run python -m cocreate_map.io.assets"
        )


@contextmanager
def app_server(tmp: Path, **env_extra: str) -> Iterator[Server]:
    """`streamlit run app.py` on a free port with its own SQLite database in ``tmp``; the demo
    loads on first start. ``env_extra`` adds settings, e.g. COCREATE_PUBLIC_URL."""
    port = free_port()
    database_url = f"sqlite:///{tmp / 'app.sqlite3'}"
    env = {
        **os.environ,
        "COCREATE_DATABASE_URL": database_url,
        "COCREATE_LOAD_DEMO": "1",
        **env_extra,
    }
    log = tmp / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", database_url, process, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def first_page_load(server: Server, browser: Any) -> None:
    """Open the marks page once, so the app migrates its database and loads the demo (marks and
    all) before a test writes to it through the service layer."""
    page = browser.new_page()
    try:
        page.goto(f"{server.base_url}/marks?lang=zh")
        page.get_by_text("意见列表").first.wait_for(timeout=90_000)
    finally:
        page.close()


@pytest.fixture(scope="session")
def streamlit_server(
    tmp_path_factory: pytest.TempPathFactory, map_assets: None
) -> Iterator[Server]:
    """The app on its own fresh database, shared by the tests of a session."""
    with app_server(tmp_path_factory.mktemp("e2e-server")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium through Playwright (no browser download)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

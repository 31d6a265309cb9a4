"""scripts/serve and scripts/test share one install and never call pip while it is stamped (an
offline restart after scripts/test works); stopping ``cocreate serve`` by its process id stops
Streamlit; usage statistics are off (issue 10 item 8)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def fake_project(tmp_path: Path) -> tuple[Path, Path]:
    """scripts/ and pyproject.toml of this repository beside a .venv whose python logs every
    call (then runs the real one) and whose ``cocreate`` only records that it was started."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    for name in ("_env.sh", "serve", "test"):
        shutil.copy2(ROOT / "scripts" / name, project / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "calls.log"
    (bin_dir / "python").write_text(
        f'#!/bin/sh\necho "python $*" >> {log}\nexec {sys.executable} "$@"\n', encoding="utf-8"
    )
    (bin_dir / "cocreate").write_text(f'#!/bin/sh\necho "cocreate $*" >> {log}\n', encoding="utf-8")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return project, log


def stamp_like_the_first_run(project: Path) -> None:
    """What the first run leaves: one stamp named by pyproject.toml, whatever the extras."""
    import hashlib

    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()[:16]
    (project / ".venv" / f".installed-{digest}").touch()


@pytest.mark.parametrize("extras", ["", "test"])
def test_a_second_start_calls_no_pip_whoever_installed(tmp_path, extras):
    project, log = fake_project(tmp_path)
    stamp_like_the_first_run(project)  # e.g. scripts/test installed first
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",  # no package index: a pip call would fail
        "COCREATE_EXTRAS": extras,
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["bash", str(project / "scripts" / "serve"), "--port", "8599"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text(encoding="utf-8")
    assert "cocreate serve --port 8599" in calls
    assert "-m pip" not in calls and "apt-get" not in done.stderr, calls


def test_a_second_test_run_calls_no_apt_get_when_everything_is_there(tmp_path):
    """scripts/test looks for Chromium, nginx, the CJK fonts, pdffonts and PostGIS before it asks
    apt-get (which needs the network); once they are there (this run has them) it must not ask.
    The font check once piped into ``grep -q`` under pipefail, so it always failed."""
    project, log = fake_project(tmp_path)
    stamp_like_the_first_run(project)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for tool in ("apt-get", "sudo"):
        (fake_bin / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\nexit 1\n')
        (fake_bin / tool).chmod(0o755)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PATH": f"{fake_bin}:/usr/bin:/bin"}
    for _ in range(4):  # the SIGPIPE came with some runs only
        done = subprocess.run(
            ["bash", str(project / "scripts" / "test"), "--version"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        calls = log.read_text(encoding="utf-8")
        assert done.returncode == 0, done.stderr
        assert "apt-get" not in calls and "installing with apt-get" not in done.stderr, done.stderr
    assert re.search(r"-m pytest( .*)? --version", calls), calls  # (after the xdist options)


def test_the_install_is_one_superset_without_build_isolation():
    env_sh = (ROOT / "scripts" / "_env.sh").read_text(encoding="utf-8")
    assert "COCREATE_EXTRAS" not in env_sh.split("STAMP=")[1].split("\n")[0]
    assert '--no-build-isolation -e ".[test]"' in env_sh


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_sigterm_to_cocreate_serve_stops_streamlit(sqlite_url):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_map.cli", "serve", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed whatever happens
    )
    try:
        deadline = time.monotonic() + 120
        while not answers(port):
            assert proc.poll() is None, "the server stopped before answering"
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)  # to the one process id a host knows
        proc.wait(timeout=30)
        assert not answers(port)  # nothing is left serving
        # the process id was Streamlit itself, so no child of it can survive
        assert subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True).stdout == b""
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_usage_statistics_are_off():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "gatherUsageStats = false" in config
    from cocreate_map.cli import build_parser, serve_command

    cmd = serve_command(build_parser().parse_args(["serve"]))
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"

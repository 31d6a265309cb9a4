"""The district deployment: K app replicas on local ports behind Debian's nginx, one PostgreSQL.

``cocreate district up`` (``scripts/district``) migrates the database once, starts the replicas
(``cocreate serve`` on 127.0.0.1, ports ``first_port`` … ``first_port + K - 1``), waits until
each answers ``/_stcore/health``, writes an nginx configuration and runs nginx in front, then
watches: a replica that exits is started again; Ctrl-C or SIGTERM stops everything.

nginx does what a Streamlit cluster needs:
- **sticky sessions**: Streamlit keeps a session (and its uploads) in the process that opened
  it, so every request of one browser goes to one replica. The first response sets a cookie
  ``cocreate_route`` (a random request id); ``hash $cocreate_route consistent`` sends every
  later request carrying it to the same replica — open-source nginx, no ``sticky`` module;
- **websocket upgrade** for ``/_stcore/stream``, with long read timeouts;
- **gzip** for scripts, styles and GeoJSON;
- **health**: ``/healthz`` answers from a replica, and a replica that fails is taken out for
  ``fail_timeout`` (passive checks; the runner restarts it);
- **security headers**: no framing from other sites (``X-Frame-Options``, CSP
  ``frame-ancestors``), ``nosniff``; the replica that answered is named in ``X-Cocreate-Replica``.

Everything shared lives in PostgreSQL (votes, tallies, rate limits, lockouts, sessions), so any
replica can answer any page; SQLite is refused, since several processes writing one file is not
a district deployment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cocreate_map import config
from cocreate_map.errors import InvalidInput, NotFound

NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Layout:
    replicas: int = 3
    port: int = 8080  # nginx listens here
    first_port: int = 8601  # replica i listens on first_port + i
    address: str = "127.0.0.1"  # nginx's listening address (0.0.0.0 for the hall/office LAN)
    run_dir: Path = field(default_factory=lambda: config.PROJECT_ROOT / "var" / "district")

    @property
    def replica_ports(self) -> list[int]:
        return [self.first_port + i for i in range(self.replicas)]


def require_postgres(url: str) -> None:
    if not url.startswith("postgresql"):
        raise InvalidInput(key="district.sqlite")


def nginx_conf(layout: Layout) -> str:
    """The nginx configuration for ``layout`` (a whole nginx.conf, run with ``-p run_dir``)."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in layout.replica_ports
    )
    run = layout.run_dir
    return f"""# Written by `cocreate district up`; edit the command's options, not this file.
worker_processes auto;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 4096; }}

http {{
    access_log {run}/nginx-access.log;
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_max_body_size {int(config.get("max_upload_mb")) + 5}m;

    gzip on;
    gzip_proxied any;
    gzip_min_length 1024;
    gzip_types text/css application/javascript text/javascript application/json
               application/geo+json image/svg+xml text/plain;

    # Sticky sessions: one browser, one replica (Streamlit keeps sessions in process memory).
    map $cookie_cocreate_route $cocreate_route {{
        ""      $request_id;
        default $cookie_cocreate_route;
    }}
    map $cookie_cocreate_route $cocreate_route_cookie {{
        ""      "cocreate_route=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}

    upstream cocreate_app {{
        hash $cocreate_route consistent;
{servers}
        keepalive 32;
    }}

    server {{
        listen {layout.address}:{layout.port};
        server_name _;

        add_header Set-Cookie $cocreate_route_cookie always;
        add_header X-Cocreate-Replica $upstream_addr always;
        add_header X-Frame-Options SAMEORIGIN always;
        add_header Content-Security-Policy "frame-ancestors 'self'" always;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy same-origin always;

        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_next_upstream error timeout http_502 http_503;

        location = /healthz {{
            proxy_pass http://cocreate_app/_stcore/health;
        }}
        location /_stcore/stream {{
            proxy_pass http://cocreate_app;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
        location / {{
            proxy_pass http://cocreate_app;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def replica_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cocreate_map.cli",
        "serve",
        "--port",
        str(port),
        "--address",
        "127.0.0.1",
    ]


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise InvalidInput(key="district.replica_died", port=port, code=process.returncode)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise InvalidInput(key="district.replica_slow", port=port, seconds=int(timeout_s))


class District:
    """The running replicas and nginx (start, watch, stop)."""

    def __init__(self, layout: Layout, url: str) -> None:
        self.layout = layout
        self.url = url
        self.replicas: dict[int, subprocess.Popen[bytes]] = {}
        self.nginx: subprocess.Popen[bytes] | None = None
        self.run_dir = layout.run_dir

    def _env(self) -> dict[str, str]:
        secret_file = self.run_dir / "cookie_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32), "utf-8")
            secret_file.chmod(0o600)
        return config.child_environment(
            COCREATE_DATABASE_URL=self.url,
            COCREATE_LOAD_DEMO="0",  # the runner loaded it once, before the replicas start
            # every replica signs Streamlit's cookies alike
            STREAMLIT_SERVER_COOKIE_SECRET=secret_file.read_text("utf-8").strip(),
            STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        )

    def start_replica(self, port: int) -> subprocess.Popen[bytes]:
        with (self.run_dir / f"replica-{port}.log").open("ab") as log:  # the child keeps it
            process = subprocess.Popen(
                replica_command(port),
                cwd=config.PROJECT_ROOT,
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.replicas[port] = process
        return process

    def start(self) -> None:
        if not Path(NGINX).exists() and shutil.which("nginx") is None:
            raise NotFound(key="district.no_nginx")
        (self.run_dir / "tmp").mkdir(parents=True, exist_ok=True)
        for port in self.layout.replica_ports:
            self.start_replica(port)
        for port, process in self.replicas.items():
            wait_healthy(port, process)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_conf(self.layout), "utf-8")
        nginx = NGINX if Path(NGINX).exists() else str(shutil.which("nginx"))
        checked = subprocess.run(
            [nginx, "-t", "-q", "-p", str(self.run_dir), "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if checked.returncode != 0:
            raise InvalidInput(key="district.nginx_conf", detail=checked.stderr.strip()[-300:])
        self.nginx = subprocess.Popen(
            [nginx, "-p", str(self.run_dir), "-c", str(conf), "-g", "daemon off;"],
            start_new_session=True,
        )
        wait_healthy_url(f"http://127.0.0.1:{self.layout.port}/healthz", self.nginx)

    def watch_once(self) -> list[int]:
        """Start again every replica that exited; the ports restarted."""
        restarted = []
        for port, process in list(self.replicas.items()):
            if process.poll() is not None:
                self.start_replica(port)
                restarted.append(port)
        return restarted

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        for process in self.replicas.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in [*self.replicas.values(), *([self.nginx] if self.nginx else [])]:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def wait_healthy_url(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise InvalidInput(key="district.nginx_died", code=process.returncode)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise InvalidInput(key="district.nginx_slow", seconds=int(timeout_s))

"""The address residents' phones open (issue 10.4): what the hall QR code, the household slips,
the notices and the meeting pack encode.

``COCREATE_PUBLIC_URL`` when it is set; else the address the host's browser used to open the app
(``st.context.url`` on a page), unless that is a loopback address (``localhost`` opens the
phone itself, not this machine); else this machine's LAN address with the app's port. Only when
the machine has no network does a loopback address remain, and printing slips or packs with it
is refused unless asked for (``--allow-loopback``, or the tick on the page): no phone could open
them.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from cocreate_map import config
from cocreate_map.errors import InvalidInput

DEFAULT_PORT = 8501  # Streamlit's, and scripts/serve's
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# A private address to "connect" a UDP socket to: no packet is sent, the kernel only picks the
# interface (and so the address) it would route through. Never a public host.
_ROUTE_PROBE = ("10.254.254.254", 9)


@dataclass(frozen=True)
class PublicAddress:
    url: str  # scheme://host[:port][/base], no trailing slash
    source: str  # "setting", "browser", "lan", "local-only" (server on 127.0.0.1) or "loopback"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.url)


def host_of(url: str) -> str:
    return (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()


def is_loopback(url: str) -> bool:
    """True when ``url`` points at the machine that opens it (localhost, 127.x, ::1, 0.0.0.0)."""
    host = host_of(url)
    if not host or host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def lan_ip() -> str | None:
    """This machine's address on its network (the one a route leaves through), or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(_ROUTE_PROBE)
        ip: str = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if is_loopback(f"http://{ip}") else ip


def _origin(url: str, base_path: str = "") -> str:
    parts = urlsplit(url)
    base = base_path.strip("/")
    return f"{parts.scheme or 'http'}://{parts.netloc}" + (f"/{base}" if base else "")


def public_address(
    browser_url: str | None = None,
    *,
    base_path: str = "",
    port: int | None = None,
    listen: str | None = None,
) -> PublicAddress:
    """Where phones reach the app: the setting, else the browser's address (``browser_url``, the
    page's own URL: only its scheme, host and port are kept, plus ``base_path``, Streamlit's
    server.baseUrlPath), else the LAN address with ``port`` (default: the browser's, else 8501).

    ``listen`` is the address the server listens on when known (Streamlit's server.address): a
    loopback one (``cocreate serve`` without ``--address``) answers this computer only, so the
    LAN address would not open either and a loopback address is returned (source
    "local-only"); a specific address is used as it is; empty or 0.0.0.0 means every interface."""
    configured: str = config.get("public_url").strip()
    if configured:
        return PublicAddress(configured.rstrip("/"), "setting")
    if browser_url and urlsplit(browser_url).netloc and not is_loopback(browser_url):
        return PublicAddress(_origin(browser_url, base_path), "browser")
    if port is None and browser_url:
        port = urlsplit(browser_url).port
    port = port or DEFAULT_PORT
    base = base_path.strip("/")
    tail = f":{port}" + (f"/{base}" if base else "")
    wildcard = listen is None or listen.strip() in ("", "0.0.0.0", "::", "[::]")
    if not wildcard:
        assert listen is not None
        if is_loopback(f"http://{listen}"):
            return PublicAddress(f"http://localhost{tail}", "local-only")
        return PublicAddress(f"http://{listen.strip()}{tail}", "lan")
    ip = lan_ip()
    if ip is not None:
        return PublicAddress(f"http://{ip}{tail}", "lan")
    return PublicAddress(f"http://localhost{tail}", "loopback")


def printable(address: PublicAddress | str, *, allow_loopback: bool = False) -> str:
    """The address to print on paper (slips, packs, notices); InvalidInput for a loopback address
    unless ``allow_loopback``: a phone that scans it opens itself, not this app."""
    url = address.url if isinstance(address, PublicAddress) else address.rstrip("/")
    if is_loopback(url) and not allow_loopback:
        raise InvalidInput(key="address.loopback", url=url)
    return url

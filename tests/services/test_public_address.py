"""The address phones open (issue 10.4): the setting, else the browser's address, else this
machine's LAN address; a loopback address is never printed on slips or packs unless asked."""

from __future__ import annotations

import pytest

from cocreate_map import config
from cocreate_map.errors import InvalidInput
from cocreate_map.services.address import (
    is_loopback,
    lan_ip,
    printable,
    public_address,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8501",
        "http://LOCALHOST",
        "http://127.0.0.1:8501/app",
        "http://127.8.9.1",
        "http://[::1]:8501",
        "http://0.0.0.0:8501",
        "http://app.localhost:8501",
        "localhost:8501",
    ],
)
def test_loopback_addresses(url):
    assert is_loopback(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.20:8501",
        "https://cotton.example.cn",
        "http://10.0.0.5",
        "http://[fe80::1]",
    ],
)
def test_addresses_phones_can_open(url):
    assert not is_loopback(url)


def test_the_default_is_no_longer_localhost(monkeypatch):
    monkeypatch.delenv("COCREATE_PUBLIC_URL", raising=False)
    assert config.get("public_url") == ""
    assert public_address().url != "http://localhost:8501" or lan_ip() is None


def test_the_setting_wins(monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "https://cotton.example.cn/")
    got = public_address("http://192.168.1.20:8501/vote", listen="127.0.0.1")
    assert (got.url, got.source, got.loopback) == ("https://cotton.example.cn", "setting", False)


def test_the_browsers_address_without_its_page_path(monkeypatch):
    monkeypatch.delenv("COCREATE_PUBLIC_URL", raising=False)
    got = public_address("http://192.168.1.20:8501/meeting")
    assert (got.url, got.source) == ("http://192.168.1.20:8501", "browser")
    behind = public_address("https://district.example.cn/cotton/vote", base_path="/cotton/")
    assert behind.url == "https://district.example.cn/cotton"


def test_a_localhost_browser_gets_the_lan_address(monkeypatch):
    monkeypatch.delenv("COCREATE_PUBLIC_URL", raising=False)
    ip = lan_ip()  # this machine's real route (no packet is sent)
    got = public_address("http://localhost:8502/meeting")
    if ip is None:
        assert (got.url, got.source) == ("http://localhost:8502", "loopback")
    else:
        assert (got.url, got.source, got.loopback) == (f"http://{ip}:8502", "lan", False)
    # the server listens on one interface: that address; on 127.0.0.1 only: phones cannot reach
    # it at all, and the loopback address says so
    assert public_address("http://localhost:8501", listen="192.168.1.20").url == (
        "http://192.168.1.20:8501"
    )
    local = public_address("http://localhost:8501/meeting", listen="127.0.0.1")
    assert (local.url, local.source, local.loopback) == (
        "http://localhost:8501",
        "local-only",
        True,
    )


def test_printing_a_loopback_address_is_refused_unless_allowed():
    with pytest.raises(InvalidInput) as err:
        printable("http://localhost:8501")
    assert "--allow-loopback" in err.value.message and "COCREATE_PUBLIC_URL" in err.value.message
    zh = err.value.render("zh")
    assert "手机" in zh and "--allow-loopback" in zh and "http://localhost:8501" in zh
    assert printable("http://localhost:8501/", allow_loopback=True) == "http://localhost:8501"
    assert printable("http://192.168.1.20:8501/") == "http://192.168.1.20:8501"

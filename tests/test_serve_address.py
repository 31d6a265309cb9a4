"""Issue 11.12: ``cocreate serve`` listens on this computer only unless told otherwise."""

from __future__ import annotations

from cocreate_map.cli import build_parser, serve_command


def _address(argv: list[str]) -> str:
    command = serve_command(build_parser().parse_args(argv))
    return command[command.index("--server.address") + 1]


def test_serve_binds_loopback_by_default():
    assert _address(["serve"]) == "127.0.0.1"


def test_serve_opens_to_the_hall_network_when_asked():
    assert _address(["serve", "--address", "0.0.0.0"]) == "0.0.0.0"
    assert _address(["serve", "--port", "8600", "--address", "192.168.1.20"]) == "192.168.1.20"

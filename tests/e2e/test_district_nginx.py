"""The district deployment in real parts: two app replicas behind Debian's nginx on one
PostgreSQL database. A household votes on its phone through one replica; the meeting projector,
served by the other replica, shows the vote within its refresh. Every request of one browser
stays on its replica (sticky routing cookie), and static assets come gzip-compressed."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cocreate_map import services
from cocreate_map.cli import main
from cocreate_map.deploy import NGINX, District, Layout
from tests.conftest import _unavailable, scratch_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
SLUG = services.DEMO_SLUG


def _free_run(n: int) -> int:
    """A first port of ``n`` consecutive free ports."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n > 65000:
            continue
        try:
            socks = []
            for p in range(base, base + n):
                t = socket.socket()
                t.bind(("127.0.0.1", p))
                socks.append(t)
            for t in socks:
                t.close()
            return base
        except OSError:
            for t in socks:
                t.close()
    raise RuntimeError("no free ports")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory, request) -> Iterator[tuple[District, str]]:
    if not Path(NGINX).exists():
        _unavailable(f"{NGINX} is missing: apt-get install nginx-light")
    url = request.getfixturevalue("fresh_pg_url")
    mp = pytest.MonkeyPatch()
    mp.setenv("COCREATE_DATABASE_URL", url)
    try:
        assert main(["demo"]) == 0
        base = _free_run(3)
        layout = Layout(
            replicas=2, port=base, first_port=base + 1, run_dir=tmp_path_factory.mktemp("district")
        )
        d = District(layout, url)
        try:
            d.start()
            yield d, f"http://127.0.0.1:{layout.port}"
        finally:
            d.stop()
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def fresh_pg_url(pg_database_url):  # module-scoped: the district serves every test here
    with scratch_database("cocreate_fresh") as url:
        yield url


def _replica_of(base: str, route: str) -> str:
    req = urllib.request.Request(f"{base}/healthz", headers={"Cookie": f"cocreate_route={route}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["X-Cocreate-Replica"]


def _routes_to_two_replicas(base: str) -> dict[str, str]:
    """{replica address: a route cookie value that nginx sends there}."""
    found: dict[str, str] = {}
    for i in range(64):
        found.setdefault(_replica_of(base, f"probe-{i}"), f"probe-{i}")
        if len(found) == 2:
            return found
    raise AssertionError(f"nginx sent every route to one replica: {found}")


def test_vote_on_one_replica_shows_on_projector_served_by_another(
    district, chromium, artifacts, monkeypatch
):
    d, base = district
    url = d.url
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    assert main(["ballot", "create", "--community", SLUG, "--title", "是否采纳方案B？",
                 "--rule", "simple-majority"]) == 0  # fmt: skip
    from cocreate_map.storage.db import make_engine, transaction

    engine = make_engine(url)
    with transaction(engine) as s:
        bid = max(b.id for b in services.list_ballots(s, SLUG))
    engine.dispose()

    routes = _routes_to_two_replicas(base)
    (voter_replica, voter_route), (host_replica, host_route) = sorted(routes.items())
    host = chromium.new_context(viewport={"width": 1920, "height": 1080})
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    host.add_cookies([{"name": "cocreate_route", "value": host_route, "url": base}])
    phone.add_cookies([{"name": "cocreate_route", "value": voter_route, "url": base}])
    served: dict[str, set[str]] = {"host": set(), "phone": set()}
    gz: list[str] = []

    def _record(who: str):
        def on_response(resp):
            replica = resp.headers.get("x-cocreate-replica")
            if replica:
                served[who].add(replica)
            if resp.url.endswith(".js") and resp.headers.get("content-encoding") == "gzip":
                gz.append(resp.url)

        return on_response

    try:
        projector = host.new_page()
        projector.on("response", _record("host"))
        projector.goto(
            f"{base}/meeting?community={SLUG}&view=projector&panel=ballot&ballot={bid}&lang=zh"
        )
        figure = projector.locator('[data-measure="households"]')
        figure.filter(has_text="0.0%").wait_for(timeout=90_000)

        vote = phone.new_page()
        vote.on("response", _record("phone"))
        _label, code = services.demo_codes()[0]
        vote.goto(f"{base}/vote?community={SLUG}&lang=zh")
        box = vote.get_by_placeholder("K7M-9QX-4TPW")
        box.wait_for(timeout=90_000)
        box.fill(code)
        vote.get_by_role("button", name="进入").click()
        vote.get_by_text("您好，1栋 1单元 101室 住户").wait_for(timeout=60_000)
        vote.get_by_role("button", name="同意", exact=True).click()
        vote.get_by_role("button", name="确认提交").click()
        vote.get_by_text("已记录！您投了：同意").wait_for(timeout=60_000)

        # 1 of the demo's 300 households: on the other replica's projector within its refresh.
        figure.filter(has_text="0.3%").wait_for(timeout=15_000)
        projector.screenshot(path=str(artifacts / "district-projector-after-vote.png"))
        vote.screenshot(path=str(artifacts / "district-phone-voted.png"))
    finally:
        host.close()
        phone.close()
    assert served["host"] == {host_replica}, served
    assert served["phone"] == {voter_replica}, served
    assert voter_replica != host_replica
    assert gz, "static scripts came without gzip"

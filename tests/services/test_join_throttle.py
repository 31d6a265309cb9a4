"""Issue 11.1: wrong household codes lock the guessing client, never the community; the count is
exact when guesses arrive in parallel (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cocreate_map import services
from cocreate_map.services import households as H
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow
from tests.services.ballot_factories import make_register

SLUG = "throttle-estate"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def wrong_codes(n: int, start: int = 0) -> list[str]:
    """``n`` distinct well-formed codes that belong to nobody (a 1-in-2^49 chance aside)."""
    out = []
    for k in range(start, start + n):
        a, b = divmod(k, len(ALPHABET))
        out.append(f"ZZZ-ZZZ-Z{ALPHABET[a % len(ALPHABET)]}{ALPHABET[b]}Z")
    return out


@pytest.fixture
def reg(engine):
    return make_register(engine, slug=SLUG, buildings=[("1", 4), ("2", 4)])


def join(engine, code, client, now):
    with transaction(engine) as s:
        return services.join_with_code(s, SLUG, code, now, client=client)


def test_a_guesser_locks_only_their_own_client_never_the_community(engine, reg):
    now = utcnow()
    (_, mine), (_, neighbour) = reg["1-1-101"], reg["2-1-101"]
    results = [join(engine, c, "203.0.113.5|tab", now) for c in wrong_codes(H.JOIN_CLIENT.limit)]
    assert [r.left for r in results] == list(range(H.JOIN_CLIENT.limit - 1, -1, -1))
    assert all(r.locked_until is None for r in results[:-1])
    assert results[-1].locked_until == now + H.JOIN_CLIENT.base_lock  # said at the locking guess
    assert join(engine, mine, "203.0.113.5|tab", now).throttled  # the guesser waits, even right
    assert join(engine, neighbour, "198.51.100.7|phone", now).household is not None
    assert join(engine, mine, "203.0.113.5|other-tab", now).household is not None  # same hall


def test_a_shared_link_with_a_wrong_code_cannot_lock_anyone_else(engine, reg):
    now = utcnow()
    [bad] = wrong_codes(1)
    for k in range(30):  # thirty neighbours open the same wrong ?code= link
        r = join(engine, bad, f"198.51.100.{k}|s", now)
        assert r.household is None
    for k, (label, (_, code)) in enumerate(sorted(reg.items())):
        r = join(engine, code, f"198.51.100.{k}|s", now)
        assert r.household is not None and r.household.label == label
        # the link cost each of them one try at most (none once the wrong code itself locked)
        assert r.left == H.JOIN_CLIENT.limit - (2 if k < H.JOIN_CODE.limit else 1)


def test_locks_back_off_and_a_quiet_day_starts_over(engine, reg):
    now = utcnow()
    client = "203.0.113.8|s"
    codes = iter(wrong_codes(200))
    for expected in (5, 10, 20):
        last = None
        for _ in range(H.JOIN_CLIENT.limit):
            last = join(engine, next(codes), client, now)
        assert last.locked_until == now + timedelta(minutes=expected)
        now = last.locked_until + timedelta(seconds=1)
    now += timedelta(days=2)
    for _ in range(H.JOIN_CLIENT.limit):
        last = join(engine, next(codes), client, now)
    assert last.locked_until == now + timedelta(minutes=5)


def test_one_address_is_limited_across_browser_sessions(engine, reg):
    now = utcnow()
    codes = iter(wrong_codes(200))
    checked = 0
    for tab in range(10):  # a guesser opening new tabs still hits the address limit
        for _ in range(H.JOIN_CLIENT.limit):
            r = join(engine, next(codes), f"203.0.113.77|tab{tab}", now)
            checked += not r.throttled
    assert checked == H.JOIN_ADDRESS.limit


def test_parallel_guesses_never_exceed_the_limit(engine, reg):
    now = utcnow()
    threads, each = 16, 4
    codes = wrong_codes(threads * each)
    checked = [0] * threads
    barrier = threading.Barrier(threads)

    def guess(i: int) -> None:
        barrier.wait()
        for code in codes[i * each : (i + 1) * each]:
            r = join(engine, code, "203.0.113.99|one-tab", now)
            checked[i] += not r.throttled

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(checked) == H.JOIN_CLIENT.limit
    _, code = reg["1-1-101"]
    assert join(engine, code, "203.0.113.99|one-tab", now).throttled

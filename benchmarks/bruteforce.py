"""Brute-force rates against household codes and staff passwords (issue 11, findings 1–3).

Prints, for SQLite and (with COCREATE_TEST_PG_URL) PostgreSQL:

- guesses a single client gets *evaluated* per minute, over a simulated hour of one guess per
  second (the ``now`` the services take is advanced; no waiting);
- wrong codes evaluated when 16 threads guess at once against the per-client limit;
- guesses per minute the service evaluates for the bootstrap admin and for an unknown user name
  (wall clock: what one attacker could try if the throttle were the only limit);
- the time a wrong password takes for a known and for an unknown user name.

Run: .venv/bin/python benchmarks/bruteforce.py [--pg]
"""

from __future__ import annotations

import inspect
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cocreate_map.services import households as H  # noqa: E402
from cocreate_map.services import staff as ST  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.storage.tables import utcnow  # noqa: E402
from tests.services.ballot_factories import make_register  # noqa: E402

WRONG = "ABC-DEF-GHJK"
_JOIN_TAKES_CLIENT = "client" in inspect.signature(H.join_with_code).parameters
_SIGN_IN_TAKES_CLIENT = "client" in inspect.signature(ST.sign_in).parameters


def join(s, slug, code, now, client="203.0.113.7|s1"):  # noqa: ANN001, ANN201
    if _JOIN_TAKES_CLIENT:
        return H.join_with_code(s, slug, code, client=client, now=now)
    return H.join_with_code(s, slug, code, now)


def sign_in(s, user, password, now=None, client="203.0.113.7|s1"):  # noqa: ANN001, ANN201
    if _SIGN_IN_TAKES_CLIENT:
        return ST.sign_in(s, user, password, now, client=client)
    return ST.sign_in(s, user, password, now)


def evaluated(result: object) -> bool:
    """A guess the service checked: not refused by the throttle (before issue 11 a refused guess
    raised instead of returning)."""
    return not getattr(result, "throttled", False)


def per_client_rate(engine, slug: str) -> float:  # noqa: ANN001
    start = utcnow()
    checked = 0
    for k in range(3600):
        try:
            with transaction(engine) as s:
                r = join(s, slug, WRONG, start + timedelta(seconds=k))
            checked += evaluated(r)
        except Exception:  # noqa: BLE001 - the old service raises when locked
            pass
    return checked / 60


def parallel_evaluated(engine, slug: str, threads: int = 16, each: int = 8) -> int:  # noqa: ANN001
    now = utcnow()
    barrier = threading.Barrier(threads)
    counts = [0] * threads

    def run(i: int) -> None:
        barrier.wait()
        for _ in range(each):
            try:
                with transaction(engine) as s:
                    r = join(s, slug, WRONG, now)
                counts[i] += evaluated(r)
            except Exception:  # noqa: BLE001
                pass

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts)


def simulated_staff_rate(engine, user: str) -> float:  # noqa: ANN001
    """Checked passwords per minute over a simulated hour of one guess per second from one
    address that opens a new tab every 50 guesses."""
    start = utcnow()
    checked = [0]
    real_verify = getattr(ST, "_verify", None)
    if real_verify is not None:

        def counting(hash_: str, password: str) -> bool:
            checked[0] += 1
            return bool(real_verify(hash_, password))

        ST._verify = counting
    for k in range(3600):
        with transaction(engine) as s:
            ident, msg = sign_in(
                s,
                user,
                f"guess-{k}",
                start + timedelta(seconds=k),
                client=f"203.0.113.60|t{k // 50}",
            )
        if real_verify is None and "too many" not in str(msg):
            checked[0] += 1
    if real_verify is not None:
        ST._verify = real_verify
    return checked[0] / 60


def wall_rate(fn, seconds: float = 5.0) -> float:  # noqa: ANN001
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(n)
        n += 1
    return n / (time.perf_counter() - t0) * 60


def main(url: str, label: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    make_register(engine, slug="brute-a", buildings=[("1", 4)])
    make_register(engine, slug="brute-b", buildings=[("1", 4)])
    print(
        f"[{label}] one client, simulated hour at 1 guess/s: "
        f"{per_client_rate(engine, 'brute-a'):.2f} guesses/min evaluated"
    )
    print(
        f"[{label}] 16 threads × 8 wrong codes at once: "
        f"{parallel_evaluated(engine, 'brute-b')} evaluated"
    )
    os.environ["COCREATE_ADMIN_PASSWORD"] = "bootstrap-secret-long"

    print(
        f"[{label}] bootstrap admin, simulated hour at 1 guess/s (new tab every 50): "
        f"{simulated_staff_rate(engine, 'admin'):.2f} passwords/min checked"
    )
    checked = [0]
    real_verify = getattr(ST, "_verify", None)
    if real_verify is not None:  # count the passwords really checked

        def counting(hash_: str, password: str) -> bool:
            checked[0] += 1
            return bool(real_verify(hash_, password))

        ST._verify = counting

    def boot(n: int) -> None:
        with transaction(engine) as s:
            sign_in(s, "admin", f"guess-{n}", client=f"203.0.113.50|tab{n // 50}")
        if real_verify is None:
            checked[0] += 1  # before: every guess was compared

    t0 = time.perf_counter()
    calls = wall_rate(boot)
    minutes = (time.perf_counter() - t0) / 60
    if real_verify is not None:
        ST._verify = real_verify
    print(
        f"[{label}] bootstrap admin, one address opening a new tab every 50 guesses: "
        f"{calls:.0f} requests/min answered, {checked[0] / minutes:.1f} guesses/min checked"
    )
    with transaction(engine) as s:
        ST.add_user(s, "wang.li", "long enough secret", "planner")
    print(
        f"[{label}] known staff account, simulated hour at 1 guess/s (new tab every 50): "
        f"{simulated_staff_rate(engine, 'wang.li'):.2f} passwords/min checked"
    )
    t0 = time.perf_counter()
    for _ in range(3):
        with transaction(engine) as s:
            sign_in(s, "wang.li", "wrong", client=f"198.51.100.{_}|x")
    known = (time.perf_counter() - t0) / 3 * 1000
    t0 = time.perf_counter()
    for _ in range(3):
        with transaction(engine) as s:
            sign_in(s, "nobody.here", "wrong", client=f"198.51.100.{_}|x")
    unknown = (time.perf_counter() - t0) / 3 * 1000
    print(f"[{label}] wrong password: known user {known:.1f} ms, unknown user {unknown:.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(f"sqlite:///{tmp}/bench.sqlite3", "sqlite")
    if "--pg" in sys.argv:
        import uuid

        from sqlalchemy import create_engine, text

        admin_url = os.environ.get(
            "COCREATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
        name = f"cocreate_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            main(admin_url.rsplit("/", 1)[0] + f"/{name}", "postgresql")
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

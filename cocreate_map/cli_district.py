"""``cocreate backup``, ``cocreate restore`` and ``cocreate community move``: keeping a deployment."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cocreate_map import config
from cocreate_map.errors import InvalidInput


def cmd_backup(args: argparse.Namespace) -> int:
    from cocreate_map.services import maintenance
    from cocreate_map.storage.db import migrated_engine

    url = config.database_url()
    migrated_engine(url).dispose()  # a backup of a database that is at head
    size = maintenance.backup(url, Path(args.out))
    print(f"backup of {_shown(url)} written to {args.out} ({size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from cocreate_map.services import maintenance
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import make_engine, migrate, transaction

    url = config.database_url()
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            existing = repo.count_communities(session)
    except Exception:  # noqa: BLE001 - an empty or new database has no tables yet
        existing = 0
    engine.dispose()
    if existing and not args.yes:
        raise InvalidInput(key="backup.confirm", url=_shown(url), communities=existing)
    maintenance.restore(url, Path(args.file))
    engine = make_engine(url)
    migrate(engine)  # a backup from an older version comes up to head
    with transaction(engine) as session:
        count = repo.count_communities(session)
    engine.dispose()
    print(f"restored {args.file} into {_shown(url)}: {count} communities")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from cocreate_map.services import maintenance
    from cocreate_map.storage.db import migrated_engine, transaction

    src_url = config.database_url()
    if args.to == src_url:
        raise InvalidInput(key="transfer.same_database")
    if not args.to.startswith("postgresql") and not args.allow_sqlite_target:
        raise InvalidInput(key="transfer.target_not_postgres", url=_shown(args.to))
    src, dst = migrated_engine(src_url), migrated_engine(args.to)
    try:
        with transaction(src) as s, transaction(dst) as d:
            result = maintenance.move_community(s, d, args.slug, source=_shown(src_url))
    finally:
        src.dispose()
        dst.dispose()
    print(
        f"moved {result.slug} into {_shown(args.to)}: {result.total:,} rows in "
        f"{sum(1 for n in result.rows.values() if n)} tables; its audit chain verified and "
        f"continues with entry {result.audit_entries} (head {result.audit_head[:16]}…); "
        f"the source database still holds it"
    )
    return 0


def cmd_set_district(args: argparse.Namespace) -> int:
    from cocreate_map.services import district
    from cocreate_map.services.access import local_admin
    from cocreate_map.storage.db import migrated_engine, transaction

    engine = migrated_engine()
    with transaction(engine) as session:
        district.set_district(session, args.slug, args.name or None, local_admin())
    print(f"{args.slug}: sub-district {args.name or '(none)'}")
    return 0


def _layout(args: argparse.Namespace) -> Any:
    from cocreate_map.deploy import Layout

    return Layout(
        replicas=args.replicas,
        port=args.port,
        first_port=args.first_port,
        address=args.address,
    )


def cmd_district_up(args: argparse.Namespace) -> int:
    import signal
    import time

    from cocreate_map import services
    from cocreate_map.deploy import District, require_postgres
    from cocreate_map.storage.db import migrated_engine

    url = config.database_url()
    require_postgres(url)
    if args.replicas < 1:
        raise InvalidInput(key="district.replicas", replicas=args.replicas)
    engine = migrated_engine(url)  # once, before the replicas: they find the schema at head
    if services.ensure_demo(engine):
        print(f"loaded the demo community {services.DEMO_NAME} ({services.DEMO_SLUG})")
    engine.dispose()
    layout = _layout(args)
    district = District(layout, url)

    def _stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)
    try:
        district.start()
        ports = ", ".join(str(p) for p in layout.replica_ports)
        print(
            f"district deployment up: http://{layout.address}:{layout.port}/ → "
            f"{layout.replicas} replicas on 127.0.0.1:{ports} against {_shown(url)}; "
            f"logs and nginx.conf in {layout.run_dir}",
            flush=True,
        )
        while True:
            time.sleep(2)
            for port in district.watch_once():
                print(f"replica on port {port} had stopped; started it again", flush=True)
    except KeyboardInterrupt:
        return 130
    finally:
        district.stop()


def cmd_district_nginx(args: argparse.Namespace) -> int:
    from cocreate_map.deploy import nginx_conf

    print(nginx_conf(_layout(args)), end="")
    return 0


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="back up the whole database (SQLite backup API or pg_dump)")
    p.add_argument("--out", required=True, help="backup file to write")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup from cocreate backup")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="the database holds data: replace it")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("community", help="manage communities across databases")
    csub = p.add_subparsers(dest="community_command", required=True)
    m = csub.add_parser(
        "move", help="copy one community (rows and audit chain) into the district database"
    )
    m.add_argument("slug")
    m.add_argument("--to", required=True, metavar="POSTGRES_URL")
    m.add_argument("--allow-sqlite-target", action="store_true", help=argparse.SUPPRESS)
    m.set_defaults(func=cmd_move)
    m = csub.add_parser("archive", help="archive a community: hidden from lists, read-only")
    m.add_argument("slug")
    m.add_argument("--restore", action="store_true", help="bring an archived community back")
    m.add_argument("--by", metavar="USER", help="staff account (default: the console admin)")
    m.set_defaults(func=cmd_community_archive)
    m = csub.add_parser("district", help="put a community in a sub-district (街道)")
    m.add_argument("slug")
    m.add_argument("--name", required=True, help="the sub-district, e.g. 银行街道; '' for none")
    m.set_defaults(func=cmd_set_district)

    p = sub.add_parser("district", help="the district deployment: replicas behind nginx")
    dsub = p.add_subparsers(dest="district_command", required=True)
    for name, func, text in (
        ("up", cmd_district_up, "start K replicas and nginx in front; Ctrl-C stops them"),
        ("nginx-config", cmd_district_nginx, "print the nginx configuration `up` writes"),
    ):
        d = dsub.add_parser(name, help=text)
        d.add_argument("--replicas", type=int, default=3, help="app processes (default 3)")
        d.add_argument("--port", type=int, default=8080, help="nginx listens here (default 8080)")
        d.add_argument("--first-port", type=int, default=8601, help="first replica's port")
        d.add_argument(
            "--address", default="127.0.0.1", help="nginx's address; 0.0.0.0 for the office LAN"
        )
        d.set_defaults(func=func)


def cmd_community_archive(args: argparse.Namespace) -> int:
    from cocreate_map.services.access import local_admin
    from cocreate_map.services.imports import archive_community
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import migrated_engine, transaction

    with transaction(migrated_engine()) as session:
        who = staff_identity(session, args.by) if args.by else local_admin()
        archive_community(session, args.slug, who=who, restore=args.restore)
    print(f"{'restored' if args.restore else 'archived'} community {args.slug}")
    return 0

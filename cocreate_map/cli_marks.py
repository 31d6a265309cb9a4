"""``cocreate user|marks``: staff accounts, and residents' marks for administrators.

Passwords are never command-line arguments (they would sit in the shell history and in ``ps``):
they are asked twice with ``getpass``, or read as one line from standard input with
``--password-stdin`` (for scripts: ``printf '%s\\n' "$PW" | cocreate user add …``).
Paper opinions are imported by a staff identity named ``cli`` with the admin role.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from cocreate_map.domain.annotations import CATEGORY_CLASS, Category, RenovationClass, Role
from cocreate_map.errors import AlreadyExists, InvalidInput, NotFound
from cocreate_map.services.access import local_admin

CLASS_WORDS = {
    RenovationClass.BASIC.value: "基础类",
    RenovationClass.IMPROVEMENT.value: "完善类",
    RenovationClass.ENHANCEMENT.value: "提升类",
}


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _csv(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def _password(args: argparse.Namespace, username: str) -> str:
    """From one line of stdin (--password-stdin) or asked twice without echo."""
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput(
                "--password-stdin read an empty line; pipe the password in, e.g. "
                "printf '%s\\n' \"$PW\" | cocreate user …"
            )
        return line
    first = getpass.getpass(f"password for {username}: ")
    second = getpass.getpass("the same password again: ")
    if first != second:
        raise InvalidInput("the two passwords differ; nothing was saved — run the command again")
    return first


# ---------------------------------------------------------------- user


def _account_exists(session: Any, username: str) -> bool:
    from sqlalchemy import select

    from cocreate_map.storage.mark_tables import StaffUserRow

    name = username.strip().lower()
    return session.scalar(select(StaffUserRow.id).where(StaffUserRow.username == name)) is not None


def cmd_user_add(args: argparse.Namespace) -> int:
    from cocreate_map.services.staff import MIN_PASSWORD, add_user
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import transaction

    buildings = _csv(args.buildings)
    role = args.role.strip().lower().replace("-", "_")
    if buildings and role != Role.BUILDING_CHIEF.value:
        raise InvalidInput(
            f"--buildings is for building chiefs; a {args.role} works on every building — "
            "leave it out, or use --role building_chief"
        )
    # check what can be checked before asking for a password
    if role not in {r.value for r in Role}:
        raise InvalidInput(
            f"unknown role {args.role!r}; use one of {', '.join(r.value for r in Role)}"
        )
    if role == Role.BUILDING_CHIEF.value and (not args.community or not buildings):
        raise InvalidInput(
            "a building chief needs --community SLUG and --buildings, e.g. --buildings 1,2"
        )
    if role == Role.DISTRICT_ADMIN.value and (not args.district or args.community):
        raise InvalidInput(key="staff.district_admin_needs_district")
    with transaction(_engine()) as session:  # typos are reported before asking for a password
        if args.community:
            repo.community_by_slug(session, args.community)
        if _account_exists(session, args.username):
            raise AlreadyExists(
                f"a staff account {args.username.strip().lower()!r} exists already; pick another "
                "user name, or set its password with cocreate user passwd"
            )
    password = _password(args, args.username)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD}"
        )
    with transaction(_engine()) as session:
        who = add_user(
            session,
            args.username,
            password,
            role,
            community_slug=args.community,
            buildings=buildings,
            display_name=args.name or "",
            district=args.district,
        )
    where = f"community {args.community}" if args.community else "every community"
    if who.district:
        where = f"the communities of {who.district} (read-only)"
    if who.buildings:
        where += f", buildings {', '.join(who.buildings)}"
    name = f" ({args.name.strip()})" if args.name and args.name.strip() else ""
    print(f"added {who.role.value} {who.username}{name} for {where}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from cocreate_map.services.staff import list_users, locked_accounts
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    now = utcnow()
    with transaction(_engine()) as session:
        slugs = {c.id: c.slug for c in repo.all_communities(session)}
        locked = {name for name, _, _ in locked_accounts(session, now)}
        users = [
            {
                "username": u.username,
                "name": u.display_name,
                "role": u.role,
                "community": slugs.get(u.community_id) if u.community_id else None,
                "buildings": list(u.buildings or []),
                "state": "disabled"
                if u.disabled_at is not None
                else "throttled"
                if u.username in locked
                else "active",
            }
            for u in list_users(session)
        ]
    if args.json:
        print(json.dumps(users, ensure_ascii=False, indent=2))
        return 0
    if not users:
        print("no staff accounts yet; add one with: cocreate user add NAME --role admin")
        return 0
    print(f"{'user':<20} {'role':<15} {'community':<20} {'buildings':<12} {'state':<9} name")
    for u in users:
        print(
            f"{u['username']:<20} {u['role']:<15} {u['community'] or '(all)':<20} "
            f"{','.join(u['buildings']) or '-':<12} {u['state']:<9} {u['name']}"
        )
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from cocreate_map.services.staff import set_password
    from cocreate_map.storage.db import transaction

    name = args.username.strip().lower()
    with transaction(_engine()) as session:  # a typo is reported before asking for a password
        if not _account_exists(session, name):
            raise NotFound(f"no staff account {args.username!r}; list them with cocreate user list")
    password = _password(args, name)
    with transaction(_engine()) as session:
        set_password(session, name, password)
    print(f"new password set for {name}; its locks are lifted and its open sessions ended")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from cocreate_map.services.staff import disable_user
    from cocreate_map.storage.db import transaction

    name = args.username.strip().lower()
    with transaction(_engine()) as session:
        disable_user(session, name)
    print(f"disabled {name}; the account can no longer sign in and its open sessions ended")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from cocreate_map.services.staff import unlock_user
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        n = unlock_user(session, args.username, local=True)
    name = args.username.strip().lower()
    print(f"unlocked {name}: {n} paused sign-in(s) lifted; it can sign in again at once")
    return 0


# ---------------------------------------------------------------- marks


def cmd_marks_import(args: argparse.Namespace) -> int:
    from cocreate_map.services.mark_files import import_paper_marks
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        res = import_paper_marks(session, Path(args.path), args.community, local_admin())
    print(
        f"imported {res.created} paper opinion(s) into {args.community}, published at once "
        f"(marks {res.mark_ids[0]}–{res.mark_ids[-1]})"
    )
    return 0


def cmd_marks_export(args: argparse.Namespace) -> int:
    from cocreate_map.services.mark_files import export_marks
    from cocreate_map.services.marks import list_marks
    from cocreate_map.storage.db import transaction

    out = Path(args.out)
    if not out.parent.is_dir():
        raise InvalidInput(f"the folder {out.parent} does not exist; create it or pick another")
    with transaction(_engine()) as session:
        who = local_admin()
        n = len(list_marks(session, args.community, staff=who))
        data = export_marks(session, args.community, args.format, who)
    out.write_bytes(data)
    print(f"wrote {n} marks to {out}")
    return 0


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def cmd_marks_summary(args: argparse.Namespace) -> int:
    from cocreate_map.services.marks import summary
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        community = repo.community_by_slug(session, args.community)
        name = community.name
        s = summary(session, args.community)
    by_building = dict(sorted(s.by_building.items(), key=lambda kv: (len(kv[0]), kv[0])))
    if args.json:
        data = {
            "community": args.community,
            "name": name,
            "total": s.total,
            "by_class": s.by_class,
            "by_category": s.by_category,
            "by_building": by_building,
            "by_status": s.by_status,
            "adopted": s.adopted,
            "resolved": s.resolved,
            "answered": s.answered,
            "ratings": s.ratings,
            "resolution_rate": s.resolution_rate,
            "response_rate": s.response_rate,
            "satisfaction": s.satisfaction,
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    private = {k: s.by_status.get(k, 0) for k in ("submitted", "hidden", "withdrawn")}
    print(
        f"{name} ({args.community}): {s.total} public opinions "
        f"(not public: {', '.join(f'{v} {k}' for k, v in private.items())})"
    )
    print(
        "by class: "
        + ", ".join(f"{c} {CLASS_WORDS[c]} {s.by_class.get(c, 0)}" for c in CLASS_WORDS)
    )
    cats = sorted(s.by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    print(
        "by category: "
        + (", ".join(f"{c} ({CATEGORY_CLASS[Category(c)].value}) {n}" for c, n in cats) or "none")
    )
    print("by building: " + (", ".join(f"{b} {n}" for b, n in by_building.items()) or "none"))
    public = {k: v for k, v in s.by_status.items() if k not in private}
    print("by status: " + (", ".join(f"{k} {v}" for k, v in public.items()) or "none"))
    print(f"resolution rate: {_rate(s.resolution_rate)} ({s.resolved} of {s.adopted} adopted)")
    print(f"response rate: {_rate(s.response_rate)} ({s.answered} of {s.total} answered)")
    sat = "-" if s.satisfaction is None else f"{s.satisfaction:.1f} / 5"
    print(f"satisfaction: {sat} from {s.ratings} rating(s)")
    return 0


# ---------------------------------------------------------------- wiring


def _password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from standard input instead of asking twice",
    )


def register(sub: Any) -> None:
    p = sub.add_parser("user", help="staff accounts: admins, planners, building chiefs")
    us = p.add_subparsers(dest="user_command", required=True)
    q = us.add_parser("add", help="add a staff account (the password is asked twice)")
    q.add_argument("username", help="2–64 lower-case letters, digits, . _ -, e.g. wang.li")
    q.add_argument(
        "--role",
        required=True,
        metavar="ROLE",
        help="admin, planner, building_chief or district_admin",
    )
    q.add_argument(
        "--district", help="district_admin: the sub-district (街道) whose communities it sees"
    )
    q.add_argument(
        "--community", metavar="SLUG", help="the one community the account works for "
        "(required for building chiefs; without it: every community)"
    )  # fmt: skip
    q.add_argument("--buildings", help="building chiefs: their buildings, e.g. 1,2")
    q.add_argument("--name", help='display name, e.g. "王丽"')
    _password_flag(q)
    q.set_defaults(func=cmd_user_add)
    q = us.add_parser("list", help="staff accounts with role, community, buildings and state")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_user_list)
    q = us.add_parser("passwd", help="set a new password (lifts its locks, ends its sessions)")
    q.add_argument("username")
    _password_flag(q)
    q.set_defaults(func=cmd_user_passwd)
    q = us.add_parser("disable", help="stop an account from signing in (ends its sessions)")
    q.add_argument("username")
    q.set_defaults(func=cmd_user_disable)
    q = us.add_parser(
        "unlock", help="lift the pauses wrong passwords put on an account (every device)"
    )
    q.add_argument("username")
    q.set_defaults(func=cmd_user_unlock)

    p = sub.add_parser("marks", help="residents' marks: paper opinions, export, summary")
    ms = p.add_subparsers(dest="marks_command", required=True)
    q = ms.add_parser(
        "import",
        help="paper opinions (CSV/XLSX/GeoJSON): lon, lat or building; category, text "
        "[, building, unit, room] (or 经度, 纬度, 楼栋, 类别, 意见, 单元, 房号); all rows or none",
    )
    q.add_argument("path")
    q.add_argument("--community", required=True, metavar="SLUG")
    q.set_defaults(func=cmd_marks_import)
    q = ms.add_parser("export", help="every mark with its state, supports and comments")
    q.add_argument("--community", required=True, metavar="SLUG")
    q.add_argument("--format", choices=["geojson", "csv"], required=True)
    q.add_argument("--out", required=True, help="file to write, e.g. marks.csv")
    q.set_defaults(func=cmd_marks_export)
    q = ms.add_parser(
        "summary",
        help="opinions by class, category, building and status; resolution and response "
        "rates; satisfaction",
    )
    q.add_argument("--community", required=True, metavar="SLUG")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_marks_summary)

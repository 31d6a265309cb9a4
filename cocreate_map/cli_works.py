"""``cocreate works …``: works (工程项目, issue 13) from the command line.

Amounts are yuan as decimal strings with at most two places ("3000.00"); ``--by`` names a staff
account made with ``cocreate user add`` (unknown or disabled accounts are refused). A refusal
prints one line and exits 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from cocreate_map import cli_evaluation
from cocreate_map.errors import InvalidInput, NotFound


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _csv(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(key="works.date", value=text[:20]) from None


def _ints(text: str | None) -> list[int]:
    out = []
    for x in _csv(text):
        if not x.isdigit():
            raise InvalidInput(f"mark ids are numbers separated by commas, e.g. 3,7; got {x!r}")
        out.append(int(x))
    return out


def work_dict(w: Any) -> dict[str, Any]:
    """The JSON form of a WorkInfo (money as yuan strings with two places)."""
    from cocreate_map.domain.works import format_yuan

    return {
        "id": w.id,
        "title": w.title,
        "category": w.category.value,
        "status": w.status.value,
        "progress": w.progress_pct,
        "budget": format_yuan(w.budget_fen),
        "source": w.source.value,
        "ballot_id": w.ballot_id,
        "option": w.option_name,
        "contractor": w.contractor,
        "planned_start": w.planned_start.isoformat() if w.planned_start else None,
        "planned_end": w.planned_end.isoformat() if w.planned_end else None,
        "buildings": list(w.buildings),
        "supervisors": w.supervisors,
        "reopen_reason": w.reopen_reason,
    }


def cmd_create(args: argparse.Namespace) -> int:
    from cocreate_map.domain.works import parse_yuan
    from cocreate_map.services import works as W
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import transaction

    budget = parse_yuan(args.budget) if args.budget is not None else 0
    with transaction(_engine()) as s:
        who = staff_identity(s, args.by) if args.by else _cli_admin()
        w = W.create_work(
            s, args.community, args.title, who=who, ballot_id=args.ballot,
            option_name=args.option, mark_ids=_ints(args.marks), buildings=_csv(args.buildings),
            category=args.category, budget_fen=budget, contractor=args.contractor or "",
            planned_start=_date(args.start), planned_end=_date(args.end),
            description=args.description or "",
        )  # fmt: skip
    print(w.id)
    return 0


def _cli_admin() -> Any:
    """``works create`` without ``--by``: the administrator at the console (audited as
    staff:cli), like ``cocreate marks import``."""
    from cocreate_map.services.access import local_admin

    return local_admin()


def cmd_milestone(args: argparse.Namespace) -> int:
    from cocreate_map.services import works as W
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import transaction

    photos = []
    for p in args.photo or []:
        path = Path(p)
        if not path.is_file():
            raise NotFound(f"no photo file {p}; give the path of a JPEG, PNG or WebP picture")
        photos.append(path.read_bytes())
    with transaction(_engine()) as s:
        who = staff_identity(s, args.by)
        m = W.post_milestone(
            s, args.id, args.text, args.progress, who=who, happened_on=_date(args.date),
            photos=photos,
        )  # fmt: skip
    print(m.id)
    return 0


def _transition(action: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        from cocreate_map.services import works as W
        from cocreate_map.services.staff import staff_identity
        from cocreate_map.storage.db import transaction

        with transaction(_engine()) as s:
            who = staff_identity(s, args.by)
            w = W.apply_action(s, args.id, action, who=who, reason=getattr(args, "reason", None))
        print(f"work {w.id}: {w.status.value}")
        return 0

    return run


def cmd_link(args: argparse.Namespace) -> int:
    from cocreate_map.services import works as W
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import transaction

    ids = _ints(args.marks)
    with transaction(_engine()) as s:
        W.link_marks(s, args.id, ids, who=staff_identity(s, args.by))
    print(f"work {args.id}: marks {', '.join(map(str, ids))} follow it")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from cocreate_map.domain.works import format_yuan
    from cocreate_map.services import works as W
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        rows = W.list_works(s, args.community)
    if args.json:
        print(json.dumps([work_dict(w) for w in rows], ensure_ascii=False, indent=2))
        return 0
    for w in rows:
        print(
            f"{w.id}\t{w.status.value}\t{w.progress_pct}%\t¥{format_yuan(w.budget_fen)}\t{w.title}"
        )
    return 0


def cmd_supervisor(args: argparse.Namespace) -> int:
    from cocreate_map.services import works as W
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        who = staff_identity(s, args.by)
        W.enter_supervisor(s, args.id, args.household, who=who, public_name=args.name or "")
    print(f"work {args.id}: supervisor {args.household}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("works", help="works (工程项目): create, milestones, start/complete/accept")
    ws = p.add_subparsers(dest="works_command", required=True)
    q = ws.add_parser("create", help="a new work; prints its id")
    q.add_argument("--community", required=True, metavar="SLUG")
    q.add_argument("--title", required=True)
    q.add_argument("--ballot", type=int, metavar="ID", help="a closed ballot that passed")
    q.add_argument(
        "--option", metavar="NAME", help="the adopted option (checked against the result)"
    )
    q.add_argument("--marks", metavar="IDS", help="residents' marks that follow the work, e.g. 3,7")
    q.add_argument("--buildings", metavar="LIST", help="buildings the work concerns, e.g. 3,4")
    q.add_argument("--budget", metavar="YUAN", help='budget in yuan, e.g. "3000.00"')
    q.add_argument(
        "--category", help="基础类, 完善类 or 提升类 (default: from the option or marks)"
    )
    q.add_argument("--contractor")
    q.add_argument("--start", metavar="YYYY-MM-DD", help="planned start")
    q.add_argument("--end", metavar="YYYY-MM-DD", help="planned end")
    q.add_argument("--description")
    q.add_argument("--by", metavar="USER", help="staff account (default: the console admin)")
    q.set_defaults(func=cmd_create)
    q = ws.add_parser("milestone", help="a dated milestone with progress and photos")
    q.add_argument("id", type=int)
    q.add_argument("--text", required=True)
    q.add_argument("--progress", type=int, required=True, metavar="PCT", help="0–100")
    q.add_argument("--photo", action="append", metavar="FILE", help="JPEG/PNG/WebP; repeatable")
    q.add_argument("--date", metavar="YYYY-MM-DD", help="day it happened (default: today)")
    q.add_argument("--by", required=True, metavar="USER")
    q.set_defaults(func=cmd_milestone)
    for action, text in (
        ("start", "the builders have started"),
        ("complete", "the work is done (linked marks become resolved)"),
        ("accept", "the work passed acceptance (验收)"),
    ):
        q = ws.add_parser(action, help=text)
        q.add_argument("id", type=int)
        q.add_argument("--by", required=True, metavar="USER")
        q.set_defaults(func=_transition(action))
    q = ws.add_parser("reopen", help="a completed work goes back to in progress")
    q.add_argument("id", type=int)
    q.add_argument("--reason", required=True, help="what residents will read")
    q.add_argument("--by", required=True, metavar="USER")
    q.set_defaults(func=_transition("reopen"))
    q = ws.add_parser("supervisor", help="record a household that volunteered (监督员)")
    q.add_argument("id", type=int)
    q.add_argument("--household", required=True, metavar="1-1-101")
    q.add_argument("--name", help="name shown publicly, only with consent")
    q.add_argument("--by", required=True, metavar="USER")
    q.set_defaults(func=cmd_supervisor)
    q = ws.add_parser("link", help="residents' marks follow the work (official replies)")
    q.add_argument("id", type=int)
    q.add_argument("--marks", required=True, metavar="IDS", help="mark ids, e.g. 3,7")
    q.add_argument("--by", required=True, metavar="USER")
    q.set_defaults(func=cmd_link)
    q = ws.add_parser("list", help="the community's works")
    q.add_argument("--community", required=True, metavar="SLUG")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)
    cli_evaluation.register_works(ws)

"""``cocreate works rate|contest|ratings|ratings-form`` and ``cocreate convention …``:
co-evaluation and conventions (issue 14) from the command line.

Households are named by their flat (``--household 1-1-101``). Ratings are integers 1–5. A
refusal prints one line and exits 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _admin(session: Any, by: str | None) -> Any:
    from cocreate_map.domain.annotations import Role
    from cocreate_map.services.staff import StaffIdentity, staff_identity

    return staff_identity(session, by) if by else StaffIdentity("cli", Role.ADMIN)


def _household(session: Any, community_id: int, label: str) -> int:
    from cocreate_map.services.works import household_by_label
    from cocreate_map.storage import repositories as repo

    community = repo.community_by_id(session, community_id)
    return int(household_by_label(session, community.slug, label))


def _pct(value: Any) -> str | None:
    from cocreate_map.domain.evaluation import percent_text

    return percent_text(value)


def ratings_dict(r: Any) -> dict[str, Any]:
    s = r.summary
    return {
        "work": r.work_id,
        "households": s.households,
        "rated": s.rated,
        "average": s.average_text,
        "satisfaction": None if s.satisfaction is None else f"{s.satisfied}/{s.rated}",
        "satisfaction_pct": None if s.satisfaction is None else float(_pct(s.satisfaction)),
        "response_pct": None if s.response is None else float(_pct(s.response)),
        "by_building": [
            {
                "building": g.key,
                "households": g.households,
                "rated": g.rated,
                "average": g.average_text,
            }
            for g in s.by_building
        ],  # fmt: skip
        "by_vote": [
            {"choice": g.key, "rated": g.rated, "average": g.average_text} for g in s.by_vote
        ],
        "contests": r.contests,
        "contest_threshold": str(r.threshold),
        "reopened": r.reopened,
        "reopen_reason": r.reopen_reason,
    }


def cmd_rate(args: argparse.Namespace) -> int:
    from cocreate_map.services import evaluation as E
    from cocreate_map.storage import works_repo
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        work = works_repo.get(s, args.id)
        hid = _household(s, work.community_id, args.household)
        # The console is staff: a rating typed here comes from a paper form unless told
        # otherwise (an online rating needs the household's own code, on the page).
        r = E.rate_work(
            s, args.id, hid, args.stars, args.comment or "", paper=True, who=_admin(s, args.by)
        )
    verb = "changed to" if r.changed else "recorded:"
    print(f"work {r.work_id}: {args.household} {verb} {r.stars} stars (paper form)")
    return 0


def cmd_contest(args: argparse.Namespace) -> int:
    from cocreate_map.services import evaluation as E
    from cocreate_map.storage import works_repo
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        work = works_repo.get(s, args.id)
        hid = _household(s, work.community_id, args.household)
        r = E.contest_work(s, args.id, hid, args.reason, who=_admin(s, args.by))
    tail = "; the work is back in progress" if r.reopened else ""
    print(f"work {r.work_id}: {r.contests} of {r.concerned} households contest it "
          f"(threshold {r.threshold}){tail}")  # fmt: skip
    return 0


def cmd_ratings(args: argparse.Namespace) -> int:
    from cocreate_map.services import evaluation as E
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        r = E.work_ratings(s, args.id)
    data = ratings_dict(r)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"work {r.work_id} {r.title}: {data['rated']}/{data['households']} households rated; "
          f"average {data['average'] or '—'}; satisfied {data['satisfaction'] or '—'}; "
          f"contests {r.contests}")  # fmt: skip
    return 0


def cmd_ratings_form(args: argparse.Namespace) -> int:
    from cocreate_map.services import evaluation as E
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        n = E.ratings_form_pdf(s, args.id, Path(args.out))
    print(f"self-evaluation form of work {args.id}: {n} buildings → {args.out}")
    return 0


def cmd_convention_sheet(args: argparse.Namespace) -> int:
    from cocreate_map.services import conventions as C
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        n = C.signature_sheet_pdf(s, args.id, Path(args.out), building=args.building)
    print(f"signature sheet of convention {args.id}: {n} buildings → {args.out}")
    return 0


def cmd_convention_create(args: argparse.Namespace) -> int:
    from cocreate_map.services import conventions as C
    from cocreate_map.storage.db import transaction

    text = Path(args.articles).read_text(encoding="utf-8")
    buildings = [
        b.strip() for b in (args.buildings or "").replace("，", ",").split(",") if b.strip()
    ]
    with transaction(_engine()) as s:
        c = C.create_convention(
            s, args.community, args.title, text, buildings=buildings, who=_admin(s, args.by)
        )
    print(c.id)
    return 0


def _convention_household(s: Any, convention_id: int, label: str) -> int:
    from cocreate_map.services import conventions as C

    return _household(s, C.get_convention(s, convention_id).community_id, label)


def cmd_convention_sign(args: argparse.Namespace) -> int:
    from cocreate_map.services import conventions as C
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        hid = _convention_household(s, args.id, args.household)
        c = C.sign(s, args.id, hid, paper=True, who=_admin(s, args.by))
    print(f"convention {c.id} (version {c.version}): {args.household} signed (paper)")
    return 0


def cmd_convention_withdraw(args: argparse.Namespace) -> int:
    from cocreate_map.services import conventions as C
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        hid = _convention_household(s, args.id, args.household)
        C.withdraw(s, args.id, hid, who=_admin(s, args.by))
    print(f"convention {args.id}: {args.household} withdrew its signature")
    return 0


def cmd_convention_progress(args: argparse.Namespace) -> int:
    from cocreate_map.services import conventions as C
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as s:
        p = C.progress(s, args.id)
    data = {
        "convention": p.convention.id,
        "title": p.convention.title,
        "version": p.convention.version,
        "households": p.households,
        "signed": p.signed,
        "by_building": [
            {"building": b.building, "households": b.households, "signed": b.signed}
            for b in p.by_building
        ],
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"{p.convention.title} (version {p.convention.version}): "
              f"{p.signed}/{p.households} households signed")  # fmt: skip
    return 0


def register_works(ws: Any) -> None:
    """The evaluation subcommands of ``cocreate works``."""
    q = ws.add_parser("rate", help="a household's 1–5 star rating of a completed work")
    q.add_argument("id", type=int)
    q.add_argument("--household", required=True, metavar="B-U-R", help="e.g. 1-1-101")
    q.add_argument("--stars", required=True, help="1–5")
    q.add_argument("--comment")
    q.add_argument("--paper", action="store_true", help="from a paper form (the default here)")
    q.add_argument("--by", metavar="USER", help="staff account entering it")
    q.set_defaults(func=cmd_rate)
    q = ws.add_parser("contest", help='"not done / not right" from a household')
    q.add_argument("id", type=int)
    q.add_argument("--household", required=True, metavar="B-U-R")
    q.add_argument("--reason", required=True)
    q.add_argument("--by", metavar="USER")
    q.set_defaults(func=cmd_contest)
    q = ws.add_parser("ratings", help="ratings of a work: average, satisfaction, by building")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_ratings)
    q = ws.add_parser("ratings-form", help="paper self-evaluation form (PDF), a page per building")
    q.add_argument("id", type=int)
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_ratings_form)


def register(sub: Any) -> None:
    p = sub.add_parser("convention", help="community conventions (公约): create, sign, progress")
    cs = p.add_subparsers(dest="convention_command", required=True)
    q = cs.add_parser("create", help="a new convention; prints its id")
    q.add_argument("--community", required=True, metavar="SLUG")
    q.add_argument("--title", required=True)
    q.add_argument("--articles", required=True, metavar="FILE.txt", help="one article a line")
    q.add_argument("--buildings", metavar="LIST", help="only these buildings, e.g. 1,2")
    q.add_argument("--by", metavar="USER")
    q.set_defaults(func=cmd_convention_create)
    for name, func, text in (
        ("sign", cmd_convention_sign, "record a household's (paper) signature"),
        ("withdraw", cmd_convention_withdraw, "withdraw a household's signature"),
    ):
        q = cs.add_parser(name, help=text)
        q.add_argument("id", type=int)
        q.add_argument("--household", required=True, metavar="B-U-R")
        q.add_argument("--paper", action="store_true", help="from a paper sheet (the default here)")
        q.add_argument("--by", metavar="USER")
        q.set_defaults(func=func)
    q = cs.add_parser("sheet", help="the paper signature sheet (PDF), a page per building")
    q.add_argument("id", type=int)
    q.add_argument("--out", required=True, metavar="FILE.pdf")
    q.add_argument("--building", help="only this building, e.g. 3")
    q.set_defaults(func=cmd_convention_sheet)
    q = cs.add_parser("progress", help="signed / all households, by building")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_convention_progress)

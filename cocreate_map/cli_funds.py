"""``cocreate funds|labour|settings``: the community funds ledger, volunteer labour, settings.

Amounts are yuan as decimal strings (``"3000.00"``); ``--by`` names a staff account from
``cocreate user add``. A refusal (self-approval, an expense without a work, a negative amount, an
unknown household, approving twice, reversing a reversal) prints one line and exits 2; nothing is
written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cocreate_map.domain import funds as dom


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _photo(path: str | None) -> bytes | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        from cocreate_map.errors import InvalidInput

        raise InvalidInput(f"{path} does not exist; give the path of a JPEG or PNG photo")
    return p.read_bytes()


def cmd_funds_add(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        who = F.staff_by_name(session, args.by)
        e = F.add_entry(
            session, who, args.community, args.kind, args.amount,
            account=args.account, household=args.household, donor=args.donor,
            source=args.source, method=args.method, work_id=args.work, payee=args.payee or "",
            receipt_no=args.receipt or "", consent=args.consent, note=args.note or "",
            occurred_on=args.date, photo=_photo(args.photo),
        )  # fmt: skip
    print(e.id)
    return 0


def cmd_funds_approve(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        e = F.approve_entry(session, F.staff_by_name(session, args.by), args.entry)
    print(f"entry {e.id} approved by {e.approved_by}: ¥{dom.yuan_text(e.amount_fen)} now counts")
    return 0


def cmd_funds_reverse(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        e = F.reverse_entry(session, F.staff_by_name(session, args.by), args.entry, args.reason)
    print(e.id)
    return 0


def cmd_funds_summary(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        s = F.summary(session, args.community)
    if args.json:
        print(json.dumps(s.as_json(), ensure_ascii=False, indent=2))
        return 0
    y = dom.yuan_text
    print(f"{s.community_name} ({s.slug}): {s.entries} entries, audit head {s.audit_head[:16]}…")
    print(
        f"income ¥{y(s.totals.income)}  expense ¥{y(s.totals.expense)}  "
        f"balance ¥{y(s.totals.balance)}  in kind ¥{y(s.in_kind_fen)}  "
        f"pending {s.totals.pending} (¥{y(s.totals.pending_fen)})"
    )
    for a in s.accounts:
        print(
            f"  {a.name}: income ¥{y(a.income_fen)}, expense ¥{y(a.expense_fen)}, "
            f"balance ¥{y(a.balance_fen)}"
        )
    for w in s.works:
        print(
            f"  work {w.work_id} {w.title}: budget ¥{y(w.budget_fen)}, spent ¥{y(w.spent_fen)}, "
            f"in kind ¥{y(w.in_kind_fen)}, {w.progress_pct}%"
        )
    return 0


def cmd_funds_list(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        rows = F.list_entries(session, args.community, limit=args.limit)
    for e in rows:
        sign = "-" if e.kind is dom.Kind.EXPENSE else "+"
        if e.reverses_id is not None:
            sign = "+" if sign == "-" else "-"
        who = e.donor_private or e.payee
        print(
            f"{e.id:>6} {e.occurred_on} {e.account} {e.kind.value:<12} {sign}¥{dom.yuan_text(e.amount_fen):>14} "
            f"{e.status:<8} {who} {('work ' + str(e.work_id)) if e.work_id else ''}"
            f"{(' reverses ' + str(e.reverses_id)) if e.reverses_id else ''}"
        )
    return 0


def cmd_funds_notice(args: argparse.Namespace) -> int:
    from cocreate_map.cli_ballots import paper_address
    from cocreate_map.io.reports_funds import funds_notice
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    url = paper_address(args, "the notice's QR code")
    with transaction(_engine()) as session:
        data = F.notice_data(session, args.community)
    funds_notice(data, url, Path(args.out), utcnow())
    print(f"wrote the funds notice of {args.community} to {args.out}")
    return 0


def cmd_funds_export(args: argparse.Namespace) -> int:
    from cocreate_map.io.reports_funds import export_ledger
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        data = F.notice_data(session, args.community)
    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    Path(args.out).write_bytes(export_ledger(data, fmt))
    print(f"wrote {len(data.entries)} ledger entries to {args.out}")
    return 0


def cmd_labour_add(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        info = F.add_labour(
            session, F.staff_by_name(session, args.by), args.community, args.work, args.hours,
            household=args.household, person=args.person, task=args.task or "",
            worked_on=args.date, team=args.team, show_name=args.show_name,
            photo=_photo(args.photo),
        )  # fmt: skip
    print(info.id)
    return 0


def cmd_labour_verify(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        info = F.verify_labour(session, F.staff_by_name(session, args.by), args.entry)
    print(
        f"labour entry {info.id} verified by {info.verified_by}: "
        f"{dom.hours_text(info.quarter_hours)} h now count"
    )
    return 0


def cmd_labour_team(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        team_id = F.add_team(session, F.staff_by_name(session, args.by), args.community, args.name)
    print(team_id)
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    from cocreate_map.services import funds as F
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        if args.by:
            who = F.staff_by_name(session, args.by)
        else:
            from cocreate_map.services.access import local_admin

            who = local_admin()
        stored = F.set_setting(
            session, who, args.community, args.key, args.value, ballot_id=args.ballot
        )
    print(f"{args.community}: {args.key} = {stored}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("funds", help="the community funds ledger: entries, approvals, notice")
    fs = p.add_subparsers(dest="funds_command", required=True)
    q = fs.add_parser(
        "add", help="record a donation, contribution, interest or expense; prints its id"
    )
    q.add_argument("--community", required=True)
    q.add_argument("--kind", required=True, help="donation | contribution | interest | expense")
    q.add_argument("--amount", required=True, help='yuan with two decimals, e.g. "3000.00"')
    q.add_argument("--household", help="donor household building-unit-room, e.g. 1-1-101")
    q.add_argument("--donor", help="named donor, or the contributing body")
    q.add_argument("--source", help="contribution from: government | unit (default unit)")
    q.add_argument("--method", default="cash", help="cash | transfer | wechat (default cash)")
    q.add_argument("--work", type=int, help="the work an expense pays for (required for expenses)")
    q.add_argument("--payee", help="who was paid (expenses)")
    q.add_argument("--receipt", help="receipt number")
    q.add_argument("--consent", action="store_true", help="the donor agreed to be named in public")
    q.add_argument("--account", help="account name (default 自治公益金; 维修资金 is kept apart)")
    q.add_argument("--note", help="a note shown with the entry")
    q.add_argument("--date", help="date of the payment, YYYY-MM-DD (default today)")
    q.add_argument("--photo", help="receipt photo (JPEG/PNG)")
    q.add_argument("--by", required=True, help="staff account recording it")
    q.set_defaults(func=cmd_funds_add)
    q = fs.add_parser("approve", help="approve an expense (another account than the recorder)")
    q.add_argument("entry", type=int)
    q.add_argument("--by", required=True)
    q.set_defaults(func=cmd_funds_approve)
    q = fs.add_parser("reverse", help="correct an entry with a reversing entry; prints its id")
    q.add_argument("entry", type=int)
    q.add_argument("--reason", required=True)
    q.add_argument("--by", required=True)
    q.set_defaults(func=cmd_funds_reverse)
    q = fs.add_parser("summary", help="totals by account and work, donors, in-kind labour")
    q.add_argument("--community", required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_funds_summary)
    q = fs.add_parser("list", help="ledger entries, newest first")
    q.add_argument("--community", required=True)
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=cmd_funds_list)
    q = fs.add_parser("notice", help="the funds notice (公示, 165号令 第三十条) as PDF")
    q.add_argument("--community", required=True)
    q.add_argument("--out", required=True)
    from cocreate_map.cli_ballots import add_allow_loopback

    add_allow_loopback(q)
    q.set_defaults(func=cmd_funds_notice)
    q = fs.add_parser("export", help="the ledger as CSV or XLSX (formulas neutralised)")
    q.add_argument("--community", required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--format", choices=["csv", "xlsx"])
    q.set_defaults(func=cmd_funds_export)

    p = sub.add_parser("labour", help="volunteer labour (投工投劳): hours, verification, teams")
    ls = p.add_subparsers(dest="labour_command", required=True)
    q = ls.add_parser("add", help="record volunteer hours on a work; prints the entry id")
    q.add_argument("--community", required=True)
    q.add_argument("--work", type=int, required=True)
    q.add_argument("--hours", required=True, help="hours in quarters, e.g. 2.5")
    q.add_argument("--household", help="volunteer household, e.g. 1-1-101")
    q.add_argument("--person", help="volunteer's name")
    q.add_argument("--task", default="投工投劳", help="what was done")
    q.add_argument("--date", help="YYYY-MM-DD (default today)")
    q.add_argument("--team", help="volunteer team name")
    q.add_argument("--show-name", action="store_true", help="agreed to be on the thanks board")
    q.add_argument("--photo")
    q.add_argument("--by", required=True)
    q.set_defaults(func=cmd_labour_add)
    q = ls.add_parser(
        "verify", help="confirm volunteer hours (another account than the one who entered them)"
    )
    q.add_argument("entry", type=int)
    q.add_argument("--by", required=True)
    q.set_defaults(func=cmd_labour_verify)
    q = ls.add_parser("team", help="name a volunteer team; prints its id")
    q.add_argument("name")
    q.add_argument("--community", required=True)
    q.add_argument("--by", required=True)
    q.set_defaults(func=cmd_labour_team)

    p = sub.add_parser("settings", help="community settings")
    ss = p.add_subparsers(dest="settings_command", required=True)
    q = ss.add_parser(
        "set",
        help="labour_rate_yuan_per_hour 25 | cost_sharing area|equal --ballot ID | "
        "defect_window_days 30 | contest_threshold 1/10",
    )
    q.add_argument("--community", required=True)
    q.add_argument("key")
    q.add_argument("value")
    q.add_argument("--ballot", type=int, help="the passed ballot that adopted a sharing formula")
    q.add_argument("--by", help="staff account (default: the command line administrator)")
    q.set_defaults(func=cmd_settings_set)

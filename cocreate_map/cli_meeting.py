"""``cocreate meeting-pack BALLOT_ID --out pack.pdf``: the printed meeting pack (issue 6).

Its paper ballot numbers are recorded; printing again reuses them for the same households.

The lead wires it into cli.py with ``cli_meeting.register(sub)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cocreate_map.services.access import local_admin


def cmd_meeting_pack(args: argparse.Namespace) -> int:
    from cocreate_map.cli_ballots import paper_address
    from cocreate_map.services.meeting import meeting_pack
    from cocreate_map.storage.db import migrated_engine, transaction

    out = Path(args.out)
    url = paper_address(args, "the pack's QR code")
    with transaction(migrated_engine()) as session:
        pack = meeting_pack(
            session,
            args.ballot_id,
            out,
            url,
            option_names=args.option or None,
            lang=args.lang,
            who=local_admin(),
        )
    reused = pack.paper_ballots - pack.newly_issued
    print(
        f"wrote {out} ({pack.pages} pages): {pack.paper_ballots} numbered paper ballots, "
        f"{pack.newly_issued} newly issued, {reused} reprinted with their earlier numbers; "
        f"cocreate ballot import-votes {args.ballot_id} accepts only these numbers"
    )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "meeting-pack",
        help="the printed meeting pack of a ballot (PDF): agenda, options with maps and metrics, "
        "numbered paper ballots per household (numbers recorded; a reprint reuses them), "
        "sign-in sheet",
    )
    p.add_argument("ballot_id", type=int, metavar="BALLOT_ID")
    p.add_argument("--out", required=True, help="PDF file, e.g. pack.pdf")
    p.add_argument(
        "--option",
        action="append",
        metavar="NAME",
        help="an option to include (repeatable, up to 3; default: the first three)",
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="metric labels language")
    from cocreate_map.cli_ballots import add_allow_loopback

    add_allow_loopback(p)
    p.set_defaults(func=cmd_meeting_pack)

"""``cocreate story WORK_ID --out story.pdf``: the decision story (成果共享, issue 14.3) of one
work on one or two A4 pages for the notice board, with a QR code to the live story page
(``COCREATE_PUBLIC_URL``). ``--json`` prints the story's figures instead (money as yuan strings,
ratios as fraction strings). An unknown work exits 2 with one line; nothing is written."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def story_dict(s: Any) -> dict[str, Any]:
    from cocreate_map.domain.funds import yuan_plain

    b = s.ballot
    sm = s.ratings.summary
    return {
        "work": {"id": s.work.id, "title": s.work.title, "status": s.work.status.value,
                 "progress": s.work.progress_pct},
        "marks": [{"id": m.id, "text": m.text, "supports": m.supports} for m in s.marks],
        "options": [{"name": o.name, "adopted": o.adopted} for o in s.options],
        "ballot": None if b is None else {
            "id": b.id, "title": b.title, "outcome": b.decision.outcome,
            "winner": b.decision.winner, "adopted": b.adopted,
            "approval_households": str(b.approval_households),
            "approval_area": str(b.approval_area),
            "participation_households": str(b.participation_households),
            "participation_area": str(b.participation_area),
        },
        "milestones": len(s.milestones),
        "money": {
            "budget": yuan_plain(s.money.budget_fen), "spent": yuan_plain(s.money.spent_fen),
            "pending": yuan_plain(s.money.pending_fen),
            "in_kind": yuan_plain(s.money.in_kind_fen),
            "receipts": [{"entry": r.entry_id, "date": str(r.occurred_on or ""),
                          "payee": r.payee, "receipt_no": r.receipt_no,
                          "amount": yuan_plain(r.amount_fen), "status": r.status}
                         for r in s.money.receipts],
        },
        "ratings": {"households": sm.households, "rated": sm.rated,
                    "average": sm.average_text, "contests": s.ratings.contests},
    }  # fmt: skip


def cmd_story(args: argparse.Namespace) -> int:
    from cocreate_map.errors import InvalidInput
    from cocreate_map.io.reports_story import story_notice
    from cocreate_map.services import story as story_service
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    if not args.json and not args.out:
        raise InvalidInput(key="story.out_needed", id=args.id)
    with transaction(_engine()) as session:
        story = story_service.work_story(session, args.id)
    if args.json:
        print(json.dumps(story_dict(story), ensure_ascii=False, indent=2))
        return 0
    from cocreate_map.cli_ballots import paper_address

    pages = story_notice(
        story, paper_address(args, "the story's QR code"), Path(args.out), utcnow()
    )
    print(f"wrote the story of work {story.work.id} ({pages} page(s)) to {args.out}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "story", help="a work's decision story, mark to receipt, as PDF for the notice board"
    )
    p.add_argument("id", type=int, metavar="WORK_ID")
    p.add_argument("--out", help="the PDF to write, e.g. story.pdf")
    p.add_argument("--json", action="store_true", help="print the story's figures as JSON")
    from cocreate_map.cli_ballots import add_allow_loopback

    add_allow_loopback(p)
    p.set_defaults(func=cmd_story)

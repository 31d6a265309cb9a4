"""``cocreate households|codes|ballot|audit``: the register, household slips, ballots and the audit.

Times given on the command line are China time (UTC+8); the database keeps UTC.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cocreate_map.domain.china_time import from_china
from cocreate_map.errors import InvalidInput
from cocreate_map.services.access import local_admin


def _engine() -> Any:
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _china_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return from_china(datetime.fromisoformat(text.strip().replace("/", "-")))
    except ValueError:
        raise InvalidInput(
            f"a time is written like 2026-12-01 20:00 (China time), got {text!r}"
        ) from None


def _params(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for p in pairs or []:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"--param takes key=value, e.g. --param denominator=participants; got {p!r}"
            )
        out[key.strip()] = value.strip()
    return out


def _csv(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").replace("，", ",").split(",") if x.strip()]


def paper_address(args: argparse.Namespace, what: str = "the slips") -> str:
    """The address printed on paper (QR codes): COCREATE_PUBLIC_URL, else this computer's LAN
    address; a loopback address only with --allow-loopback (issue 10.4)."""
    from cocreate_map.services.address import printable, public_address

    address = public_address()
    url = printable(address, allow_loopback=getattr(args, "allow_loopback", False))
    if address.source == "lan":
        print(
            f"{what} link to {url}, this computer's network address: phones reach it while the "
            "app runs with cocreate serve --address 0.0.0.0 (or set COCREATE_PUBLIC_URL)",
            file=sys.stderr,
        )
    return url


def add_allow_loopback(p: Any) -> None:
    p.add_argument(
        "--allow-loopback",
        action="store_true",
        help="print even when the address is localhost/127.0.0.1 (no phone can open it)",
    )


def cmd_households_import(args: argparse.Namespace) -> int:
    from cocreate_map.services.households import import_households
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        res = import_households(
            session, Path(args.path), args.community, who=local_admin(), issue_codes=False
        )
    print(f"register of {args.community}: {res.created} households added, {res.updated} updated")
    if res.created:
        print(
            f"the new households have no code yet; print their slips with: cocreate codes "
            f"--community {args.community} --new-only --out slips.pdf "
            "(no other household's code changes)"
        )
    return 0


def cmd_codes(args: argparse.Namespace) -> int:
    from cocreate_map.io.reports_ballots import Slip, household_slips
    from cocreate_map.services.households import households_for_codes, regenerate_codes
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import transaction

    url = paper_address(args)
    with transaction(_engine()) as session:
        community = repo.community_by_slug(session, args.community)
        labels = _csv(args.households)
        ids = (
            households_for_codes(session, args.community, labels, new_only=args.new_only)
            if labels or args.new_only
            else None
        )
        pairs = regenerate_codes(
            session, args.community, ids, who=local_admin(), confirm_open_ballots=args.yes
        )
        slips = [Slip(h.building, h.unit, h.room, code) for h, code in pairs]
        pages = household_slips(slips, community.name, community.slug, url, Path(args.out))
    which = "every household" if ids is None else ", ".join(h.label for h, _ in pairs[:6])
    if ids is not None and len(pairs) > 6:
        which += f" … ({len(pairs)})"
    print(
        f"wrote {len(slips)} household slips on {pages} pages to {args.out} ({which}); "
        "earlier codes of these households no longer work, every other code still does"
    )
    return 0


def cmd_ballot_create(args: argparse.Namespace) -> int:
    from cocreate_map.services.ballots import check_options, create_ballot, rule_for_options
    from cocreate_map.storage.db import transaction

    notes: list[str] = []
    with transaction(_engine()) as session:
        options = _csv(args.options)
        advice = None
        if options:
            options = check_options(session, args.community, options)
            advice = rule_for_options(session, args.community, options)
            words = {
                "green_loss": "loses green (change of use of common parts, Civil Code art. 278)",
                "new_ebike_shed": "builds an e-bike shed on common land",
            }
            why = "; ".join(f"{o} {words.get(code, code)}" for o, code in advice.reasons)
            if args.rule is None:
                notes.append(
                    f"rule {advice.rule} (default for these options"
                    + (f": {why}" if why else "")
                    + "); give --rule to choose another"
                )
            elif why and args.rule != advice.rule:
                notes.append(
                    f"note: {why}; the statutory check ({advice.rule}) is shown with the result"
                )
        elif args.rule is None:
            raise InvalidInput("--rule is required unless the ballot is on --options")
        ballot = create_ballot(
            session,
            args.community,
            args.title,
            args.rule,
            _params(args.param),
            _csv(args.choices),
            kind=args.kind,
            options=options,
            advice=advice,
            buildings=_csv(args.buildings),
            units=_csv(args.units),
            matter_class=args.matter_class,
            description=args.description or "",
            opens_at=_china_time(args.opens),
            closes_at=_china_time(args.closes),
            show_running=not args.hide_running,
            e_voting_recognised=args.e_voting_recognised,
            who=local_admin(),
            tie_break=args.tie_break,
        )
        ballot_id = ballot.id
    print(ballot_id)
    for line in notes:  # on stderr: stdout stays just the id, for ID=$(cocreate ballot create …)
        print(line, file=sys.stderr)
    return 0


def cmd_ballot_list(args: argparse.Namespace) -> int:
    from cocreate_map.services.ballots import list_ballots, status, vote_count
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        for b in list_ballots(session, args.community):
            print(
                f"{b.id:>4}  {status(b):<6} {b.kind:<10} {b.rule:<24} {vote_count(session, b.id):>5} votes  {b.title}"
            )
    return 0


def cmd_ballot_close(args: argparse.Namespace) -> int:
    from cocreate_map.services.ballots import close_ballot
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        res = close_ballot(session, args.id, who=local_admin())
    d = res.decision
    print(f"ballot {args.id} closed: {d.outcome}" + (f" — {d.winner}" if d.winner else ""))
    _print_decision(res)
    return 0


def _print_decision(res: Any) -> None:
    """The binding outcome first (Chinese, then English), the local rule as consultation."""
    from cocreate_map.decision_text import consultation_text, headline, tie_break_text

    d = res.decision
    for lang in ("zh", "en"):
        print(f"  {headline(lang, d)}")
        line = consultation_text(lang, d)
        if line:
            print(f"  {line}")
    if d.binding.tie is not None or res.kind != "yes-no":
        print(f"  {tie_break_text('zh', res.tie_break)} / {tie_break_text('en', res.tie_break)}")
    if res.partial_owners:
        from cocreate_map.i18n import translate

        for lang in ("zh", "en"):
            print("  " + translate(lang, "decision.partial_owners", n=len(res.partial_owners)))
        for p in res.partial_owners:
            print(
                "    "
                + translate(
                    "zh",
                    "decision.partial_owner_line",
                    owner=p["owner"],
                    voted="、".join(p["voted"]),
                    not_voted="、".join(p["not_voted"]),
                    area=p["area_m2"],
                )
            )


def cmd_ballot_tally(args: argparse.Namespace) -> int:
    from cocreate_map.services.ballots import tally_ballot
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        res = tally_ballot(session, args.id)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
        return 0
    r = res.result
    print(
        f"{res.title} [{res.status}] rule {r.rule}"
        + (" — consultative" if res.consultative else "")
    )
    _print_decision(res)
    for t in r.choices:
        borda = "" if t.borda_points is None else f"  Borda {t.borda_points}"
        print(f"  {t.choice:<20} {t.households:>5} households  {float(t.area_m2):>10.2f} m²{borda}")
    for rnd in res.irv_rounds():
        print(
            f"  round {rnd.number}: "
            + ", ".join(
                f"{x.choice} {x.votes}" + (f" ({x.status})" if x.status else "") for x in rnd.rows
            )
            + (f"; exhausted {rnd.exhausted}" if rnd.exhausted else "")
        )
    for line in r.reasons:
        print(f"  {line}")
    return 0


def cmd_ballot_import_votes(args: argparse.Namespace) -> int:
    from cocreate_map.services.ballots import import_paper_votes
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        res = import_paper_votes(session, args.id, Path(args.path), who=local_admin())
    print(
        f"paper votes for ballot {args.id}: {res.recorded} recorded, {res.changed} changed, "
        f"{res.conflicts} conflict(s) with online votes for staff to settle"
    )
    return 0


def cmd_ballot_notice(args: argparse.Namespace) -> int:
    from cocreate_map.io.reports_ballots import ballot_notice
    from cocreate_map.services.ballots import notice_anchor, tally_ballot
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    url = paper_address(args, "the notice's QR code")
    with transaction(_engine()) as session:
        res = tally_ballot(session, args.id)
        anchor = notice_anchor(session, args.id)  # the head signed and logged for this notice
    res.audit_head = anchor.head
    ballot_notice(res, url, Path(args.out), utcnow(), anchor)
    print(f"wrote the notice of ballot {args.id} to {args.out}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from cocreate_map.services.verification import verify_audit
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        reports = verify_audit(session, args.community, head=args.head)
    bad = 0
    for r in reports:
        if r.ok:
            print(f"{r.community}: OK, {r.entries} entries, head {r.head[:16]}…")
        else:
            bad += 1
            print(f"{r.community}: FAILED ({r.entries} entries)")
            for p in r.problems:
                print(f"  {p}")
    return 1 if bad else 0


def register(sub: Any) -> None:
    from cocreate_map.domain.voting import KINDS, RULES

    p = sub.add_parser("households", help="the household register")
    hs = p.add_subparsers(dest="households_command", required=True)
    q = hs.add_parser(
        "import",
        help="import a register CSV/XLSX: building, unit, room, area_m2 [, owner_id, residents] "
        "(or 楼栋, 单元, 房号, 面积, 业主, 人数); all rows or none",
    )
    q.add_argument("path")
    q.add_argument("--community", required=True)
    q.set_defaults(func=cmd_households_import)

    p = sub.add_parser(
        "codes",
        help="issue fresh household codes and print one slip per household (PDF): every "
        "household, or only --households / --new-only (other codes and phones stay valid)",
    )
    p.add_argument("--community", required=True)
    p.add_argument("--out", required=True, help="PDF file, e.g. slips.pdf")
    p.add_argument(
        "--households",
        metavar="LIST",
        help="only these households, building-unit-room comma-separated: 3-2-501,3-2-502 "
        "(a lost slip: the old code stops working)",
    )
    p.add_argument(
        "--new-only",
        action="store_true",
        help="only households without a code yet (added to the register since the last slips)",
    )
    add_allow_loopback(p)
    p.add_argument(
        "--yes",
        action="store_true",
        help="go ahead although a ballot is open (its households need their new slip to vote)",
    )
    p.set_defaults(func=cmd_codes)

    p = sub.add_parser("ballot", help="ballots: create, list, close, tally, paper votes, notice")
    bs = p.add_subparsers(dest="ballot_command", required=True)
    q = bs.add_parser("create", help="create a ballot (open now unless --opens); prints its id")
    q.add_argument("--community", required=True)
    q.add_argument("--title", required=True, help="the question")
    q.add_argument(
        "--rule",
        choices=list(RULES),
        help="required, except with --options: then civil-code-special when an option changes "
        "the use of common parts (loses green), else civil-code-ordinary",
    )
    q.add_argument(
        "--param", action="append", metavar="KEY=VALUE", help="rule parameter, repeatable"
    )
    q.add_argument("--choices", help='"A,B,C" (omit for a yes/no/abstain question)')
    q.add_argument(
        "--options",
        help='layout options of the community as the choices, e.g. "方案A：草坪改车位,方案B：保留绿地"',
    )
    q.add_argument(
        "--kind",
        choices=list(KINDS),
        help="default: choose-one with --choices or several --options, else yes-no",
    )
    q.add_argument("--buildings", help="only these buildings vote, e.g. 1,2")
    q.add_argument("--units", help="only these units vote, e.g. 3-1,3-2")
    q.add_argument("--matter-class", choices=["ordinary", "special", "consultative"])
    q.add_argument(
        "--tie-break",
        choices=["second-round", "area", "lot"],
        default="second-round",
        help="how a tie (平票) is settled, declared now: no winner and a second round "
        "(default), the larger exclusive area, or lots drawn in public",
    )
    q.add_argument("--description", help="longer explanation shown to voters")
    q.add_argument("--opens", help="China time, e.g. 2026-12-01 08:00 (default: now)")
    q.add_argument("--closes", help="China time, e.g. 2026-12-08 20:00")
    q.add_argument("--hide-running", action="store_true", help="hide running results until closed")
    q.add_argument(
        "--e-voting-recognised",
        action="store_true",
        help="the community's rules recognise e-voting (else online results are consultative)",
    )
    q.set_defaults(func=cmd_ballot_create)
    q = bs.add_parser("list", help="ballots of a community")
    q.add_argument("--community", required=True)
    q.set_defaults(func=cmd_ballot_list)
    q = bs.add_parser("close", help="close a ballot now")
    q.add_argument("id", type=int)
    q.set_defaults(func=cmd_ballot_close)
    q = bs.add_parser("tally", help="the result now")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_ballot_tally)
    q = bs.add_parser(
        "import-votes",
        help="paper ballots CSV: building, unit, room, choice [, ballot_no]; 同意/反对/弃权 "
        "accepted; a ballot_no must be the one the meeting pack printed for that household",
    )
    q.add_argument("id", type=int)
    q.add_argument("path")
    q.set_defaults(func=cmd_ballot_import_votes)
    q = bs.add_parser("notice", help="the public notice (公示) as PDF")
    q.add_argument("id", type=int)
    q.add_argument("--out", required=True)
    add_allow_loopback(q)
    q.set_defaults(func=cmd_ballot_notice)

    p = sub.add_parser("audit", help="the hash-chained audit log")
    au = p.add_subparsers(dest="audit_command", required=True)
    q = au.add_parser("verify", help="check every chain and the counted votes against the log")
    q.add_argument("--community")
    q.add_argument(
        "--head",
        help="a chain head printed on a public notice (审计链头): the log must contain it",
    )
    q.set_defaults(func=cmd_audit_verify)

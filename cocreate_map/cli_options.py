"""``cocreate metrics`` and ``cocreate options …``: layout options from the command line (issue 4).

Registered by ``cli.build_parser`` through :func:`register`; errors are CocreateErrors, printed by
``cli.main`` as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cocreate_map import services
from cocreate_map.errors import InvalidInput
from cocreate_map.services.access import local_admin


def _engine():  # type: ignore[no-untyped-def]
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def cmd_metrics(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        result = services.option_metrics(session, args.community, args.option)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    title = result["option"] or "today (no option)"
    print(f"{result['community']} — {title}")
    for key in (
        "parking_stalls",
        "accessible_stalls_required",
        "ebike_places",
        "green_area_m2",
        "green_ratio",
        "green_change_m2",
        "demolished_count",
        "demolished_area_m2",
        "fire_lane_min_clear_width_m",
        "cost_total",
    ):
        print(f"  {key:<30} {_fmt(result[key])}")
    for ftype, share in sorted(result["walk_coverage"].items()):
        print(f"  walk_coverage.{ftype:<16} {share:.0%}")
    print(f"  ballot rule by default          {result['ballot_rule_default']}")
    for v in result["violations"]:
        where = "" if v["location"] is None else f" at {v['location'][0]}, {v['location'][1]}"
        print(f"  {v['severity']} {v['rule']}: {v['message']}{where}")
    return 0


def cmd_options_list(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        rows = services.list_options(session, args.community)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": o.name,
                        "description": o.description,
                        "adds": o.adds,
                        "removes": o.removes,
                        "modifies": o.modifies,
                    }
                    for o in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print(f"{args.community} has no options yet; import one with cocreate import F --option N")
        return 0
    for o in rows:
        print(f"{o.name}: +{o.adds} −{o.removes} ~{o.modifies}  {o.description}")
    return 0


def cmd_options_export(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        n = services.export_option_geojson(session, args.community, args.option, Path(args.out))
    print(f"wrote {n} changes of {args.option} to {args.out}")
    return 0


def cmd_options_sheet(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    names = [n.strip() for n in args.options.split(",") if n.strip()]
    if not names:
        raise InvalidInput('--options needs 1 to 3 option names separated by commas, e.g. "A,B"')
    with transaction(_engine()) as session:
        path = services.comparison_sheet(session, args.community, names, Path(args.out))
    print(f"wrote the comparison sheet of {', '.join(names)} to {path}")
    return 0


def cmd_import_option(args: argparse.Namespace, options: object) -> int:
    """``cocreate import FILE --community SLUG --option NAME``: the file is an option change-set."""
    from cocreate_map.io.geo_files import ReadOptions
    from cocreate_map.storage.db import transaction

    if args.create:
        raise InvalidInput("--option imports into an existing community; drop --create")
    assert isinstance(options, ReadOptions)
    with transaction(_engine()) as session:
        summary = services.import_option(
            session, Path(args.path), args.community, args.option, options, who=local_admin()
        )
    verb = "created option" if summary.created else "added to option"
    print(
        f"{verb} {summary.option} of {summary.slug}: {summary.adds} added, "
        f"{summary.removes} removed, {summary.modifies} modified"
    )
    for line in summary.repairs:
        print(f"repaired: {line}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("metrics", help="metrics of today's plan or of a layout option")
    p.add_argument("--community", required=True)
    p.add_argument("--option", help="name of the option; without it, today's plan")
    p.add_argument("--json", action="store_true", help="print JSON (keys documented in README)")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("options", help="list, export or print layout options")
    osub = p.add_subparsers(dest="options_command", required=True)
    q = osub.add_parser("list", help="the community's options")
    q.add_argument("--community", required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_options_list)
    q = osub.add_parser("export", help="an option's changes as GeoJSON (re-importable)")
    q.add_argument("--community", required=True)
    q.add_argument("--option", required=True)
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_options_export)
    q = osub.add_parser("delete", help="delete an option that no open ballot decides on")
    q.add_argument("name")
    q.add_argument("--community", required=True)
    q.add_argument("--by", metavar="USER", help="staff account (default: the console admin)")
    q.set_defaults(func=cmd_options_delete)
    q = osub.add_parser("sheet", help="one-page A4 PDF comparing 1–3 options")
    q.add_argument("--community", required=True)
    q.add_argument("--options", required=True, help='names separated by commas, e.g. "A,B,C"')
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_options_sheet)


def cmd_options_delete(args: argparse.Namespace) -> int:
    from cocreate_map.services.options import delete_unused_option
    from cocreate_map.services.staff import staff_identity
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        who = staff_identity(session, args.by) if args.by else local_admin()
        delete_unused_option(session, args.community, args.name, who=who)
    print(f"deleted option {args.name} of {args.community}")
    return 0

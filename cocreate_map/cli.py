"""The ``cocreate`` command: a thin shell over the services for administrators and scripts.

Every CocreateError is printed as one line on stderr with exit code 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cocreate_map import (
    cli_ballots,
    cli_district,
    cli_evaluation,
    cli_funds,
    cli_marks,
    cli_meeting,
    cli_options,
    cli_story,
    cli_works,
    config,
    services,
)
from cocreate_map.domain.elements import Kind, parse_kind
from cocreate_map.errors import CocreateError, InvalidInput
from cocreate_map.services.access import local_admin

EXIT_BAD_INPUT = 2


def _engine():  # type: ignore[no-untyped-def]
    from cocreate_map.storage.db import migrated_engine

    return migrated_engine()


def cmd_init(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import current_revision

    engine = _engine()
    print(f"database at revision {current_revision(engine)}: {engine.url.render_as_string()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        summary = services.load_demo(session)
    print(
        f"loaded the demo community {services.DEMO_NAME} ({summary.slug}): "
        f"{summary.imported} elements"
    )
    return 0


def cmd_communities(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        rows = services.list_communities(session, include_archived=args.all)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "slug": c.slug,
                        "name": c.name,
                        "metric_epsg": c.metric_epsg,
                        "elements": c.element_counts,
                    }
                    for c in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("no communities yet; load the demo with `cocreate demo` or import a file")
        return 0
    print(f"{'slug':<24} {'name':<20} {'elements':>8}  by kind")
    for c in rows:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(c.element_counts.items()))
        print(f"{c.slug:<24} {c.name:<20} {sum(c.element_counts.values()):>8}  {kinds}")
    return 0


def _read_options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from cocreate_map.io.geo_files import ReadOptions, parse_layer_map

    chosen = [x for x in (args.kind, args.kind_field, args.layer_map) if x]
    if len(chosen) > 1:
        raise InvalidInput("pass only one of --kind, --kind-field and --layer-map")
    return ReadOptions(
        kind=parse_kind(args.kind) if args.kind else None,
        kind_field=args.kind_field,
        layer_map=parse_layer_map(Path(args.layer_map)) if args.layer_map else None,
        crs=args.crs,
        coords=args.coords,
        encoding=args.encoding,
        drop_outliers=args.drop_outliers,
    )


def _who(session, by: str | None):  # type: ignore[no-untyped-def]
    """``--by USER``: that staff account (its role decides); else the console's admin."""
    from cocreate_map.services.staff import staff_identity

    return staff_identity(session, by) if by else local_admin()


def cmd_import_undo(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    try:
        import_id = int(args.undo_id)
    except ValueError:
        raise InvalidInput(key="imports.undo_needs_id", value=args.undo_id) from None
    with transaction(_engine()) as session:
        info = services.undo_import(session, import_id, who=_who(session, args.by))
    print(
        f"undid import #{info.id} ({info.filename}) of {info.slug}: "
        f"{info.elements} elements removed"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    path = Path(args.path)
    if args.path == "undo" and args.undo_id is not None and not path.exists():
        return cmd_import_undo(args)
    if args.undo_id is not None:
        raise InvalidInput(key="imports.one_path", value=args.undo_id)
    if not path.exists():
        raise InvalidInput(f"{path} does not exist; give the path of a file to import")
    if not args.community:
        raise InvalidInput(key="imports.needs_community")
    options = _read_options(args)
    if args.option:
        return cli_options.cmd_import_option(args, options)
    with transaction(_engine()) as session:
        summary = services.import_file(
            session,
            path,
            args.community,
            create_name=args.create,
            options=options,
            who=_who(session, args.by),
            replace=args.replace,
        )
    verb = "created community" if summary.created else "imported into"
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary.counts.items()))
    for old in summary.replaced:
        print(f"replaced import #{old} (its elements removed first)")
    print(
        f"{verb} {summary.slug}: {summary.imported} features ({kinds}) as import #{summary.import_id}"
    )
    print(f"source CRS {summary.source_crs}; measured in EPSG:{summary.metric_epsg}")
    for line in summary.repairs:
        print(f"repaired: {line}")
    for line in summary.notes:
        print(f"note: {line}")
    return 0


def cmd_imports(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        rows = services.list_imports(session, args.community)
    if args.json:
        payload = [
            {
                "id": r.id,
                "filename": r.filename,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "feature_count": r.feature_count,
                "elements": r.elements,
                "content_sha256": r.content_sha256,
                "source_crs": r.source_crs,
                "undone_at": r.undone_at,
            }
            for r in rows
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        when = r.created_at.strftime("%Y-%m-%d %H:%M")
        state = f"undone {r.undone_at}" if r.undone_at else f"{r.elements:>6} elements"
        print(f"#{r.id:<5} {when}  {state}  {r.filename}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from cocreate_map.storage.db import transaction

    with transaction(_engine()) as session:
        n = services.export_community(session, args.community, args.format, Path(args.out))
    print(f"wrote {n} features to {args.out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from cocreate_map.io import assets

    missing = assets.missing()
    if missing:
        assets.install()
    from cocreate_map.services.staff import bootstrap_password

    bootstrap_password()  # a too-short COCREATE_ADMIN_PASSWORD stops the start, with the reason
    # Migrate and load the demo before the server starts, so the first page view is quick and a
    # database problem is reported here, on the console, rather than in a browser.
    if services.ensure_demo(_engine()):
        print(f"loaded the demo community {services.DEMO_NAME} ({services.DEMO_SLUG})")
    os.chdir(config.PROJECT_ROOT)
    command = serve_command(args)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit (exec, no child): Ctrl-C and SIGTERM to this process id stop the server.
    os.execv(command[0], command)
    return 0  # not reached


def serve_command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line of ``cocreate serve``: it listens on 127.0.0.1 unless
    ``--address`` names another interface (0.0.0.0 opens it to the meeting hall's network)."""
    app = config.PROJECT_ROOT / "app.py"
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        # Streamlit's own upload cap follows our limit, so the uploader says the true figure.
        "--server.maxUploadSize",
        str(config.get("max_upload_mb")),
        "--server.address",
        args.address,
        # No usage statistics: nothing contacts a public host at start (also in config.toml).
        "--browser.gatherUsageStats",
        "false",
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cocreate",
        description="共同缔造·社区规划地图 — community planning map. "
        "The database is COCREATE_DATABASE_URL (default: var/cocreate.sqlite3).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create or migrate the database to the newest schema").set_defaults(
        func=cmd_init
    )
    sub.add_parser("demo", help="load the demo community 棉花小区 (cotton-compound)").set_defaults(
        func=cmd_demo
    )
    p = sub.add_parser("communities", help="list communities with element counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="archived communities too")
    p.set_defaults(func=cmd_communities)

    p = sub.add_parser(
        "import",
        help="import GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML or DXF; "
        "`import undo ID` undoes an import",
    )
    p.add_argument("path", help="the file to import, or `undo` followed by an import id")
    p.add_argument("undo_id", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--community", help="slug of the community, e.g. cotton-compound")
    p.add_argument(
        "--replace",
        action="store_true",
        help="the file was imported into the community before: undo that import first",
    )
    p.add_argument("--by", metavar="USER", help="staff account (default: the console admin)")
    p.add_argument("--create", metavar="NAME", help="create the community with this name first")
    p.add_argument(
        "--kind", help="give every feature this kind: " + ", ".join(k.value for k in Kind)
    )
    p.add_argument("--kind-field", help="property that holds each feature's kind")
    p.add_argument("--layer-map", help="JSON {layer: kind} or CSV layer,kind for GPKG/DXF layers")
    p.add_argument(
        "--crs", help="CRS of the file when it names none or names it wrongly, e.g. EPSG:4547"
    )
    p.add_argument(
        "--coords",
        choices=["wgs84", "gcj02", "bd09"],
        default="wgs84",
        help="lon/lat from AMap/Tencent are gcj02, from Baidu bd09 (default wgs84)",
    )
    p.add_argument("--encoding", help="text encoding of attribute values, e.g. GBK")
    p.add_argument(
        "--drop-outliers",
        action="store_true",
        help="leave out stray features drawn far from the rest (CAD drawings)",
    )
    p.add_argument(
        "--option",
        metavar="NAME",
        help="the file is a layout option (kind, action, ref) named NAME",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("imports", help="a community's imports (ids for `cocreate import undo ID`)")
    p.add_argument("--community", required=True)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_imports)

    p = sub.add_parser("export", help="export a community's elements with their ids")
    p.add_argument("--community", required=True)
    p.add_argument("--format", choices=["geojson", "gpkg", "csv"], required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="start the app (http://localhost:8501 by default)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only); 0.0.0.0 opens it to "
        "the meeting hall's network",
    )
    p.set_defaults(func=cmd_serve)
    cli_options.register(sub)
    cli_ballots.register(sub)
    cli_meeting.register(sub)
    cli_marks.register(sub)
    cli_works.register(sub)
    cli_district.register(sub)
    cli_evaluation.register(sub)
    cli_funds.register(sub)
    cli_story.register(sub)
    return parser


def _named_community(args: argparse.Namespace) -> int | None:
    """The id of the existing community the command names with ``--community``, else None (no
    such option, a community still to be created, a database not made yet)."""
    slug = getattr(args, "community", None)
    if not isinstance(slug, str) or not slug:
        return None
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from cocreate_map.storage.db import make_engine
    from cocreate_map.storage.tables import CommunityRow

    engine = make_engine()
    try:
        with engine.connect() as conn:
            return conn.scalar(select(CommunityRow.id).where(CommunityRow.slug == slug))
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from cocreate_map.storage import scope

        # a command naming its community (--community SLUG) reads and writes only that
        # community's rows, whatever ids it is given (storage/scope.py)
        with scope.within(_named_community(args)):
            result: int = args.func(args)
        return result
    except CocreateError as exc:
        print(f"cocreate: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `cocreate … | head`: the reader went away; not an error
        sys.stderr.close()
        return 0
    finally:
        from cocreate_map.storage.db import dispose_all

        dispose_all()


if __name__ == "__main__":
    sys.exit(main())

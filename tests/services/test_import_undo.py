"""Issue 17.6: imports can be repeated and undone, options deleted, communities archived — on
SQLite and PostgreSQL, through the service layer, every write gated by role."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.cli import main as cli_main
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.households import RegisterRow
from cocreate_map.errors import AlreadyExists, InvalidInput, PermissionDenied
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import ElementRow, ImportRow

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "cotton_compound.geojson"
SLUG = "cc"
ADMIN = local_admin("test")


def _state(engine) -> tuple[int, int, int, list[str]]:
    """(elements, boundaries, live imports, audit actions) of the test community."""
    with transaction(engine) as s:
        c = repo.community_by_slug(s, SLUG)
        n = s.scalar(
            select(func.count()).select_from(ElementRow).where(ElementRow.community_id == c.id)
        )
        b = s.scalar(
            select(func.count())
            .select_from(ElementRow)
            .where(ElementRow.community_id == c.id, ElementRow.kind == "boundary")
        )
        live = sum(1 for r in services.list_imports(s, SLUG) if r.undone_at is None)
        actions = list(
            s.scalars(
                select(AuditRow.action).where(AuditRow.community_id == c.id).order_by(AuditRow.seq)
            )
        )
    return int(n or 0), int(b or 0), live, actions


@pytest.fixture
def community(engine, tmp_path: Path) -> Path:
    path = tmp_path / "estate.geojson"
    shutil.copy(DEMO, path)
    with transaction(engine) as s:
        services.import_file(s, path, SLUG, create_name="棉花", who=ADMIN)
    return path


def _changed_copy(src: Path, tmp_path: Path) -> Path:
    data = json.loads(src.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"].get("kind") == "building"]
    out = tmp_path / "buildings_only.geojson"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


REPEAT_CASES = [
    # (second file, replace, outcome, elements after (×108 of the demo), boundaries after)
    ("same", False, "refused", 108, 1),
    ("same", True, "replaced", 108, 1),
    ("renamed copy", False, "refused", 108, 1),  # the content decides, not the name
    ("changed", False, "added", 108 + 12, 1),
]


@pytest.mark.parametrize(("second", "replace", "outcome", "elements", "boundaries"), REPEAT_CASES)
def test_a_file_imported_before_is_recognised(
    engine, community: Path, tmp_path: Path, second, replace, outcome, elements, boundaries
) -> None:
    if second == "same":
        path = community
    elif second == "renamed copy":
        path = tmp_path / "另一个名字.geojson"
        shutil.copy(community, path)
    else:
        path = _changed_copy(community, tmp_path)
    before = _state(engine)
    if outcome == "refused":
        with pytest.raises(AlreadyExists) as info, transaction(engine) as s:
            services.import_file(s, path, SLUG, who=ADMIN, replace=replace)
        assert "import #" in info.value.message and "--replace" in info.value.message
        zh = info.value.render("zh", page=True)
        assert "替换先前的导入" in zh and "--" not in zh
        assert _state(engine) == before
        return
    with transaction(engine) as s:
        summary = services.import_file(s, path, SLUG, who=ADMIN, replace=replace)
    n, b, live, actions = _state(engine)
    assert (n, b) == (elements, boundaries)
    if outcome == "replaced":
        assert summary.replaced and live == 1 and actions[-1] == "import.replace"
    else:
        assert not summary.replaced and live == 2


def test_undo_removes_the_import_as_a_unit_and_is_audited(engine, community: Path) -> None:
    with transaction(engine) as s:
        [imp] = services.list_imports(s, SLUG)
        c = repo.community_by_slug(s, SLUG)
        assert c.boundary is not None
    with transaction(engine) as s:
        info = services.undo_import(s, imp.id, who=ADMIN)
    assert info.elements == 108
    n, b, live, actions = _state(engine)
    assert (n, b, live) == (0, 0, 0) and actions == ["import.undo"]
    with transaction(engine) as s:
        assert repo.community_by_slug(s, SLUG).boundary is None
        row = s.get(ImportRow, imp.id)
        assert row is not None and row.options["undone_at"]
        reports = services.verify_audit(s, SLUG)
        assert all(not r.problems for r in reports)
    with pytest.raises(InvalidInput, match="undone already"), transaction(engine) as s:
        services.undo_import(s, imp.id, who=ADMIN)
    # The same file can come back after an undo, as a new import with a new id.
    with transaction(engine) as s:
        again = services.import_file(s, community, SLUG, who=ADMIN)
    assert again.import_id > imp.id and not again.replaced


def _staff(engine, role: Role, other: bool = False) -> StaffIdentity:
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, SLUG).id
    return StaffIdentity(f"{role.value}-x", role, community_id=cid + 1000 if other else cid)


GATE_CASES = [
    # (who, may undo an import / archive)
    ("anonymous", False, False),
    ("building_chief", False, False),
    ("planner", True, False),
    ("planner of another community", False, False),
    ("admin", True, True),
]


@pytest.mark.parametrize(("who", "may_undo", "may_archive"), GATE_CASES)
def test_every_write_is_gated_by_role(engine, community: Path, who, may_undo, may_archive) -> None:
    identity: StaffIdentity | None
    if who == "anonymous":
        identity = None
    elif who == "planner of another community":
        identity = _staff(engine, Role.PLANNER, other=True)
    else:
        identity = _staff(engine, Role(who))
    before = _state(engine)
    with transaction(engine) as s:
        [imp] = services.list_imports(s, SLUG)
    for action, allowed in (
        (lambda s: services.archive_community(s, SLUG, who=identity), may_archive),
        (lambda s: services.undo_import(s, imp.id, who=identity), may_undo),
        (lambda s: services.import_file(s, community, SLUG, who=identity, replace=True), may_undo),
    ):
        if allowed:
            continue
        with pytest.raises(PermissionDenied), transaction(engine) as s:
            action(s)
    assert _state(engine) == before


def test_undo_refused_while_an_option_changes_its_elements(engine, community: Path) -> None:
    with transaction(engine) as s:
        services.create_option(s, SLUG, "方案甲", who=ADMIN)
        building = s.scalars(
            select(ElementRow).where(ElementRow.kind == "building").order_by(ElementRow.id)
        ).first()
        services.remove_element(s, SLUG, "方案甲", building.id, who=ADMIN)
        [imp] = services.list_imports(s, SLUG)
    before = _state(engine)
    with pytest.raises(InvalidInput, match="方案甲"), transaction(engine) as s:
        services.undo_import(s, imp.id, who=ADMIN)
    with pytest.raises(InvalidInput, match="方案甲"), transaction(engine) as s:
        services.import_file(s, community, SLUG, who=ADMIN, replace=True)
    assert _state(engine) == before


@pytest.mark.parametrize(("ballot", "deleted"), [(None, True), ("open", False), ("closed", True)])
def test_an_option_is_deleted_unless_an_open_ballot_uses_it(
    engine, community: Path, ballot, deleted
) -> None:
    with transaction(engine) as s:
        services.create_option(s, SLUG, "方案乙", who=ADMIN)
        if ballot:
            c = repo.community_by_slug(s, SLUG)
            H.add_register_rows(
                s, c, [RegisterRow("1", "1", "101", Fraction("60.5"), None, 2)], who=ADMIN
            )
    if ballot:
        with transaction(engine) as s:
            b = services.create_ballot(
                s, SLUG, "方案乙？", "simple-majority", options=["方案乙"], who=ADMIN
            )
            bid = b.id
        if ballot == "closed":
            with transaction(engine) as s:
                services.close_ballot(s, bid, who=ADMIN)
    if deleted:
        with transaction(engine) as s:
            services.delete_unused_option(s, SLUG, "方案乙", who=ADMIN)
        with transaction(engine) as s:
            assert [o.name for o in services.list_options(s, SLUG)] == []
        assert _state(engine)[3][-1] == "option.delete"
    else:
        with pytest.raises(InvalidInput, match="open ballot"), transaction(engine) as s:
            services.delete_unused_option(s, SLUG, "方案乙", who=ADMIN)
        with transaction(engine) as s:
            assert [o.name for o in services.list_options(s, SLUG)] == ["方案乙"]
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        services.delete_unused_option(s, SLUG, "方案乙", who=None)


def test_an_archived_community_is_hidden_and_read_only_until_restored(
    engine, community: Path, tmp_path: Path
) -> None:
    with transaction(engine) as s:
        services.archive_community(s, SLUG, who=ADMIN)
    with transaction(engine) as s:
        assert services.list_communities(s) == []
        assert [c.slug for c in services.list_communities(s, include_archived=True)] == [SLUG]
        assert services.map_data(s, SLUG).counts["building"] == 12  # still readable
    before = _state(engine)
    for write in (
        lambda s: services.import_file(s, _changed_copy(community, tmp_path), SLUG, who=ADMIN),
        lambda s: services.create_option(s, SLUG, "方案丙", who=ADMIN),
    ):
        with pytest.raises(PermissionDenied) as info, transaction(engine) as s:
            write(s)
        assert "archived" in info.value.message and "归档" in info.value.render("zh")
    assert _state(engine) == before
    with transaction(engine) as s:
        services.archive_community(s, SLUG, who=ADMIN, restore=True)
    with transaction(engine) as s:
        services.create_option(s, SLUG, "方案丙", who=ADMIN)
    assert _state(engine)[3] == ["community.archive", "community.restore"]


CLI_CASES = [
    # (argv after the file path is known, exit code, a fragment of the one stderr line)
    (["import", "{path}", "--community", SLUG], 2, "was imported into this community before"),
    (["import", "undo", "x"], 2, "needs an import id"),
    (["import", "undo", "999"], 2, "there is no import #999"),
    (["options", "delete", "无此方案", "--community", SLUG], 2, "has no option"),
    (["community", "archive", SLUG, "--by", "nobody"], 2, "nobody"),
    (["import", "undo", "{id}"], 0, ""),
    (["community", "archive", SLUG], 0, ""),
]


@pytest.mark.parametrize(("argv", "code", "fragment"), CLI_CASES)
def test_cli_refusals_exit_2_with_one_line(
    sqlite_url: str, tmp_path: Path, capsys, argv, code, fragment
) -> None:
    path = tmp_path / "estate.geojson"
    shutil.copy(DEMO, path)
    assert cli_main(["import", str(path), "--community", SLUG, "--create", "棉花"]) == 0
    capsys.readouterr()
    argv = [a.replace("{path}", str(path)).replace("{id}", "1") for a in argv]
    assert cli_main(argv) == code
    err = capsys.readouterr().err
    if code:
        assert len(err.strip().splitlines()) == 1 and fragment in err
    else:
        assert err == ""

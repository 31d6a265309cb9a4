"""Copy one community's rows from one database into another (SQLite → PostgreSQL, or back).

Driven by the ORM metadata, so a table added later is copied too: a table belongs to a community
when it has a ``community_id`` column, or a foreign key to a table that belongs to one (``votes``
→ ``ballots``). Rows are copied parents first (``schema.metadata.sorted_tables``, every table); integer primary
keys are given anew by the target and every foreign key is rewritten through the old → new id
map, because the target already holds other communities' rows. Geometry and JSON values pass
through the column types, so WKB on SQLite becomes PostGIS geometry and back.

Functions take Sessions; they never open or commit one themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, insert, select
from sqlalchemy.orm import Session

from cocreate_map.errors import InvalidInput
from cocreate_map.storage.schema import metadata

# Tables that hold no community data (bookkeeping of the database itself).
_SKIP = {"alembic_version", "auth_sessions", "throttles"}  # sign-ins stay in their database


@dataclass
class CopyReport:
    """Rows copied per table, and the id maps the copy used (table → {old id: new id})."""

    rows: dict[str, int] = field(default_factory=dict)
    id_maps: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def id_runs(self) -> dict[str, list[list[int]]]:
        """The id maps as runs ``[old_first, new_first, length]``: compact enough to write into
        the audit log, where they tell later checks which new id an old log entry means."""
        return {table: to_runs(m) for table, m in self.id_maps.items() if m}


def to_runs(mapping: Mapping[int, int]) -> list[list[int]]:
    """``{1: 7, 2: 8, 3: 9, 5: 20}`` → ``[[1, 7, 3], [5, 20, 1]]``."""
    runs: list[list[int]] = []
    for old in sorted(mapping):
        new = mapping[old]
        if runs and runs[-1][0] + runs[-1][2] == old and runs[-1][1] + runs[-1][2] == new:
            runs[-1][2] += 1
        else:
            runs.append([old, new, 1])
    return runs


def from_runs(runs: list[list[int]]) -> dict[int, int]:
    """The inverse of :func:`to_runs`."""
    return {old + i: new + i for old, new, n in runs for i in range(n)}


def _single_int_pk(table: Table) -> Column[Any] | None:
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].name == "id":
        return pk[0]
    return None


def _owner_link(table: Table, owned: Mapping[str, Any]) -> tuple[Column[Any], str] | None:
    """The column that ties ``table``'s rows to a community-owned parent, preferring a
    non-nullable foreign key that is not self-referential."""
    links = []
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent == table.name or parent not in owned:
            continue
        links.append((fk.parent.nullable, fk.parent.name, fk.parent, parent))
    if not links:
        return None
    links.sort(key=lambda x: (bool(x[0]), x[1]))
    return links[0][2], links[0][3]


def copy_community(src: Session, dst: Session, community_id: int) -> CopyReport:
    """Insert every row of community ``community_id`` from ``src`` into ``dst``."""
    report = CopyReport()
    owned: dict[str, set[int] | None] = {}  # table → old ids (None: no integer id)
    for table in metadata.sorted_tables:
        if table.name in _SKIP:
            continue
        if table.name == "communities":
            stmt = select(table).where(table.c.id == community_id)
        elif "community_id" in table.c:
            stmt = select(table).where(table.c.community_id == community_id)
        else:
            link = _owner_link(table, owned)
            if link is None:
                continue
            column, parent = link
            parent_ids = owned[parent] or set()
            if not parent_ids:
                owned[table.name] = set()
                report.rows[table.name] = 0
                continue
            stmt = select(table).where(column.in_(sorted(parent_ids)))
        pk = _single_int_pk(table)
        if pk is not None:
            stmt = stmt.order_by(pk)  # parents of self-references come first
        rows = [dict(r._mapping) for r in src.execute(stmt)]
        if table.name == "communities":
            for row in rows:  # the chain stays hashed under the id it was written with
                if row.get("audit_chain_id") is None:
                    row["audit_chain_id"] = row["id"]
        id_map = _insert_rows(dst, table, rows, pk, report.id_maps)
        owned[table.name] = set(id_map) if pk is not None else None
        if pk is not None:
            report.id_maps[table.name] = id_map
        report.rows[table.name] = len(rows)
    return report


def _mapped_fk(table: Table, row: dict[str, Any], id_maps: Mapping[str, Mapping[int, int]]) -> None:
    for fk in table.foreign_keys:
        name = fk.parent.name
        value = row.get(name)
        if value is None:
            continue
        parent = fk.column.table.name
        if parent == table.name:
            continue  # self-reference: mapped while inserting
        mapping = id_maps.get(parent)
        if mapping is None:
            continue  # a table we keep ids for (none today)
        if value in mapping:
            row[name] = mapping[value]
        elif fk.parent.nullable:
            row[name] = None  # points at a row outside the community (e.g. a district account)
        else:
            raise InvalidInput(
                key="transfer.dangling", table=table.name, column=name, value=str(value)
            )


def _insert_rows(
    dst: Session,
    table: Table,
    rows: list[dict[str, Any]],
    pk: Column[Any] | None,
    id_maps: dict[str, dict[int, int]],
) -> dict[int, int]:
    id_map: dict[int, int] = {}
    if not rows:
        return id_map
    self_fks = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    for row in rows:
        _mapped_fk(table, row, id_maps)
    if pk is None:
        dst.execute(insert(table), rows)
        return id_map
    if self_fks:  # one at a time, so a child can point at the parent just inserted
        for row in rows:
            old = row.pop(pk.name)
            for name in self_fks:
                if row.get(name) is not None:
                    row[name] = id_map[row[name]]
            id_map[old] = dst.execute(insert(table).returning(pk), row).scalar_one()
        return id_map
    olds = [row.pop(pk.name) for row in rows]
    new_ids = dst.scalars(insert(table).returning(pk, sort_by_parameter_order=True), rows).all()
    id_map.update(zip(olds, new_ids, strict=True))
    return id_map

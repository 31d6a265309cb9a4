"""One community per transaction: the storage layer's isolation between the communities of one
database (issue 15.1).

A transaction opened while a community is in scope (:func:`within`, :func:`enter`; the page sets
it for its ``?community=``, a CLI command for its ``SLUG``) is confined to that community:

* **Reads.** Every ORM SELECT of the session (``session.get`` and lazy loads included) gets a
  criterion for each table that belongs to a community, directly (``community_id``) or through
  its owner (a vote through its ballot, a milestone through its work, a signature through its
  household). A mark, vote, household, ledger entry or option of another community is simply
  not there: the use case says "not found".
* **Writes.** Before a flush, every new or changed row is checked: its ``community_id`` must be
  the scope's, and each owner it points to (ballot, household, mark, work …) must be a row of
  the scope. ORM INSERT/UPDATE statements (the vote upsert) are checked before they run. A row of
  another community raises :class:`~cocreate_map.errors.PermissionDenied`
  (``access.other_scope``) and the transaction rolls back.

The checks are derived from the schema's foreign keys, so a new table is confined the day it is
added. Not confined: the community list itself (names are public; a new community cannot be
created inside another's scope), staff accounts and throttles (who may act is checked by
:mod:`cocreate_map.services.access`, which every writing use case calls as well). Sign-in
sessions are read unfiltered (a staff member's has no household) but a household's can only be
opened for one of the scope's households.

Outside any scope (the district overview, ``community move``, backups, the demo loader, tests
that set up several communities) nothing is filtered and the use cases' own checks apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Table, and_, event, inspect, select, true
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.util import find_tables

from cocreate_map.errors import PermissionDenied
from cocreate_map.storage.schema import metadata
from cocreate_map.storage.tables import Base

SCOPE_KEY = "community_scope"  # session.info: the community a transaction is confined to
_SCOPE: ContextVar[int | None] = ContextVar("cocreate_community_scope", default=None)

#: tables outside any community's scope (see the module's docstring)
UNCONFINED = frozenset({"communities", "staff_users", "throttles"})
#: tables read unfiltered but written only for the scope's rows: a household's sign-in session
#: must be one of the scope's households; a staff member's has no household
WRITE_CHECKED = frozenset({"auth_sessions"})


# ---------------------------------------------------------------- setting the scope


@contextmanager
def within(community_id: int | None) -> Iterator[None]:
    """Transactions opened inside the block are confined to ``community_id`` (None: no scope)."""
    token = _SCOPE.set(community_id)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def enter(community_id: int | None) -> None:
    """Confine the transactions opened from here on in this thread/context (a Streamlit script
    run: its page sets the scope once it knows its community, and the app clears it first)."""
    _SCOPE.set(community_id)


def current() -> int | None:
    return _SCOPE.get()


def confine(session: Session, community_id: int | None) -> None:
    """Confine one session (a transaction) to ``community_id``; None lifts the confinement."""
    if community_id is None:
        session.info.pop(SCOPE_KEY, None)
    else:
        session.info[SCOPE_KEY] = int(community_id)


def scope_of(session: Session) -> int | None:
    value = session.info.get(SCOPE_KEY)
    return None if value is None else int(value)


# ---------------------------------------------------------------- what belongs to a community


@dataclass(frozen=True)
class Confined:
    """How one table belongs to a community: its own column, or its owners' rows."""

    table: Table
    own: bool  # the table has community_id
    owners: tuple[tuple[str, Table], ...]  # (column, owner table) for each confined owner


@cache
def _confined() -> dict[str, Confined]:
    out: dict[str, Confined] = {}
    for table in metadata.sorted_tables:  # owners come before the tables pointing at them
        if table.name in UNCONFINED:
            continue
        owners = tuple(
            (fk.parent.name, fk.column.table)
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
            if fk.column.table.name in out and fk.column.table is not table
        )
        own = "community_id" in table.c
        if own or owners:
            out[table.name] = Confined(table, own, owners)
    return out


def belongs(table: Table, community_id: int) -> ColumnElement[bool]:
    """SQL: a row of ``table`` belongs to the community (Core, so the owners' subqueries are not
    filtered twice)."""
    info = _confined().get(table.name)
    if info is None:
        return true()
    if info.own:
        return table.c.community_id == community_id
    # through the first owner that must be set (a vote's ballot); every owner is checked on write
    column, owner = next(
        ((c, o) for c, o in info.owners if not table.c[c].nullable), info.owners[0]
    )
    return table.c[column].in_(select(owner.c.id).where(belongs(owner, community_id)))


@cache
def _entities() -> tuple[tuple[type, Table], ...]:
    out = []
    confined = _confined()
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if isinstance(table, Table) and table.name in confined and table.name not in WRITE_CHECKED:
            out.append((mapper.class_, table))
    return tuple(out)


@cache
def _entity_of(table_name: str) -> type | None:
    return next((cls for cls, table in _entities() if table.name == table_name), None)


# ---------------------------------------------------------------- reads


@lru_cache(maxsize=512)
def _criteria(community_id: int) -> dict[str, Any]:
    """Per table, the loader option confining it to the community (built once per community;
    the community's id is a bound value in the cached statement)."""
    return {
        table.name: with_loader_criteria(cls, belongs(table, community_id), include_aliases=True)
        for cls, table in _entities()
    }


def _tables_in(statement: Any) -> set[str]:
    """The names of the tables a statement reads, joins and subqueries included. (Only their
    options go on the statement: each option is part of the statement's cache key, and 35 of
    them on every statement cost more than the query.)"""
    return {
        t.name
        for t in find_tables(
            statement, check_columns=True, include_aliases=True, include_joins=True
        )
        if isinstance(t, Table)
    }


@event.listens_for(Session, "do_orm_execute")
def _confine_statement(state: ORMExecuteState) -> None:
    community_id = scope_of(state.session)
    if community_id is None:
        return
    if state.is_insert or state.is_update:
        _check_statement(state, community_id)
    if state.is_select or state.is_update or state.is_delete:
        criteria = _criteria(community_id)
        options = [criteria[name] for name in _tables_in(state.statement) if name in criteria]
        if options:
            state.statement = state.statement.options(*options)


# ---------------------------------------------------------------- writes


def _refuse(table: Table) -> None:
    raise PermissionDenied(key="access.other_scope", what=table.name)


def _known_in_scope(session: Session, owner: Table, value: Any) -> bool:
    """The owner row is in this session's identity map: it was loaded under the scope's
    criteria (or written and checked), so no query is needed."""
    cls = _entity_of(owner.name)
    if cls is None:
        return False
    return identity_key(cls, value) in session.identity_map


def _check_values(session: Session, table: Table, values: Mapping[str, Any], cid: int) -> None:
    info = _confined().get(table.name)
    if info is None:
        return
    if info.own and "community_id" in values and values["community_id"] is not None:
        if int(values["community_id"]) != cid:
            _refuse(table)
    for column, owner in info.owners:
        value = values.get(column)
        if value is None or _known_in_scope(session, owner, value):
            continue
        found = session.connection().execute(
            select(owner.c.id).where(and_(owner.c.id == value, belongs(owner, cid)))
        )
        if found.first() is None:
            _refuse(table)


def _plain(values: Mapping[Any, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        name = key if isinstance(key, str) else getattr(key, "key", str(key))
        out[name] = value.value if isinstance(value, BindParameter) else value
    return out


def _statement_values(state: ORMExecuteState) -> list[dict[str, Any]]:
    """The rows an ORM INSERT/UPDATE statement writes: its ``values(...)`` (multi-row too) and
    the parameters it is executed with. (The statement's ``_values`` are SQLAlchemy's own
    attribute: an ORM statement cannot be compiled outside the ORM to read them.)"""
    statement = state.statement
    base = _plain(getattr(statement, "_values", None) or {})
    rows = [
        {**base, **_plain(row)}
        for group in getattr(statement, "_multi_values", ()) or ()
        for row in group
        if isinstance(row, Mapping)
    ] or [base]
    params = state.parameters
    if params:
        many = params if isinstance(params, list) else [params]
        rows = [{**row, **dict(p)} for row in rows for p in many]
    return rows


def _check_statement(state: ORMExecuteState, community_id: int) -> None:
    mapper = state.bind_mapper
    table = getattr(mapper, "local_table", None) if mapper is not None else None
    if not isinstance(table, Table) or table.name not in _confined():
        return
    for values in _statement_values(state):
        _check_values(state.session, table, values, community_id)


@event.listens_for(Session, "before_flush")
def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    community_id = scope_of(session)
    if community_id is None:
        return
    confined = _confined()
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        table = state.mapper.local_table
        if not isinstance(table, Table):
            continue
        if table.name == "communities":
            if obj not in session.new and getattr(obj, "id", None) == community_id:
                continue  # the scope's own community (its name, its archive date)
            _refuse(table)
        info = confined.get(table.name)
        if info is None:
            continue
        columns = (["community_id"] if info.own else []) + [c for c, _o in info.owners]
        new = obj in session.new
        values = {
            c: getattr(obj, state.mapper.get_property_by_column(table.c[c]).key)
            for c in columns
            if new
            or state.attrs[
                state.mapper.get_property_by_column(table.c[c]).key
            ].history.has_changes()
        }
        _check_values(session, table, values, community_id)

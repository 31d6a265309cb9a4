"""One geometry column type for both databases.

SQLite (no SpatiaLite here): the geometry is stored as WKB bytes in a BLOB.
PostgreSQL: a PostGIS ``geometry(Geometry, 4326)``; values travel as hex EWKB text and are indexed
with GiST (created by the migration).
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, UserDefinedType


class PostGISGeometry(UserDefinedType[Any]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geometry(Geometry,4326)"

    # PostGIS reads and writes hex EWKB as the text form of geometry, so values need no
    # SQL functions around them: the Geometry decorator below converts them.


class Geometry(TypeDecorator[BaseGeometry]):
    """A shapely geometry in WGS-84 (lon/lat), SRID 4326."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, 4326), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        geom: BaseGeometry = shapely.from_wkb(value)
        return geom

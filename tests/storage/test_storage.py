"""Storage on real SQLite and real PostgreSQL/PostGIS: the same migrations, the same behaviour."""

import pytest
import shapely
from shapely import LineString, Point, Polygon
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import current_revision, migrate, transaction
from cocreate_map.storage.tables import CommunityRow, ElementRow

SHED = Polygon(
    [(114.3360, 30.5320), (114.33605, 30.5320), (114.33605, 30.53205), (114.3360, 30.53205)]
)


def test_migrated_to_head(engine):
    from alembic.script import ScriptDirectory

    from cocreate_map.storage.db import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(engine))
    assert len(scripts.get_heads()) == 1, "migrations must form one line"
    assert current_revision(engine) == scripts.get_current_head()
    migrate(engine)  # idempotent
    assert {
        "communities",
        "elements",
        "imports",
        "settings",
        "fund_entries",
        "labour_entries",
    } <= set(inspect(engine).get_table_names())


@pytest.mark.parametrize(
    "geom",
    [
        SHED,
        LineString([(114.1, 30.1), (114.2, 30.2)]),
        Point(114.3, 30.5),
        shapely.MultiPolygon([SHED, shapely.affinity.translate(SHED, 0.001)]),
    ],
    ids=["polygon", "line", "point", "multipolygon"],
)
def test_geometry_round_trips_exactly(engine, geom):
    with transaction(engine) as s:
        c = CommunityRow(slug="t", name="测试", metric_epsg=32650)
        s.add(c)
        s.flush()
        s.add(
            ElementRow(community_id=c.id, kind="other", name="x", attrs={"k": "值"}, geometry=geom)
        )
    with transaction(engine) as s:
        row = s.scalar(select(ElementRow))
        assert row.geometry.equals_exact(geom, 0)
        assert row.attrs == {"k": "值"}


def test_slug_is_unique(engine):
    with transaction(engine) as s:
        s.add(CommunityRow(slug="dup", name="a", metric_epsg=32650))
    with pytest.raises(IntegrityError), transaction(engine) as s:
        s.add(CommunityRow(slug="dup", name="b", metric_epsg=32650))
    with transaction(engine) as s:
        assert [c.name for c in repo.all_communities(s)] == ["a"]


def test_deleting_a_community_deletes_its_elements(engine):
    with transaction(engine) as s:
        c = CommunityRow(slug="gone", name="gone", metric_epsg=32650)
        s.add(c)
        s.flush()
        s.add(ElementRow(community_id=c.id, kind="building", attrs={}, geometry=SHED))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM communities WHERE slug = 'gone'"))
    with transaction(engine) as s:
        assert s.scalars(select(ElementRow)).all() == []


def test_element_counts_per_community(engine):
    with transaction(engine) as s:
        for slug in ("a", "b"):
            c = CommunityRow(slug=slug, name=slug, metric_epsg=32650)
            s.add(c)
            s.flush()
            for kind in ["building", "building", "road"][: 3 if slug == "a" else 1]:
                s.add(ElementRow(community_id=c.id, kind=kind, attrs={}, geometry=SHED))
    with transaction(engine) as s:
        ids = {c.slug: c.id for c in repo.all_communities(s)}
        counts = repo.element_counts(s)
    assert counts[ids["a"]] == {"building": 2, "road": 1}
    assert counts[ids["b"]] == {"building": 1}


@pytest.mark.postgres
def test_postgis_holds_real_geometry_with_a_gist_index(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("DELETE FROM communities"))
    with transaction(pg_engine) as s:
        c = CommunityRow(slug="pg", name="pg", metric_epsg=32650)
        s.add(c)
        s.flush()
        s.add(ElementRow(community_id=c.id, kind="building", attrs={}, geometry=SHED))
    with pg_engine.connect() as conn:
        srid, gtype, area = conn.execute(
            text(
                "SELECT ST_SRID(geometry), GeometryType(geometry), "
                "ST_Area(ST_Transform(geometry, 32650)) FROM elements"
            )
        ).one()
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_elements_geometry'")
        ).scalar_one()
        conn.execute(text("DELETE FROM communities"))
        conn.commit()
    assert (srid, gtype) == (4326, "POLYGON")
    assert area == pytest.approx(4.8 * 5.55, rel=0.05)  # ~4.8 m × 5.5 m shed
    assert "gist" in index.lower()


def test_every_table_module_is_part_of_the_schema():
    """A *_tables.py module missing from storage/schema.py would be left out of migrations
    checks and of `cocreate community move` (which copies every table of the schema)."""
    from pathlib import Path

    storage = Path(__file__).resolve().parents[2] / "cocreate_map" / "storage"
    schema = (storage / "schema.py").read_text(encoding="utf-8")
    missing = [
        p.stem
        for p in storage.glob("*_tables.py")
        if f"import cocreate_map.storage.{p.stem}" not in schema
    ]
    assert missing == []

"""Issue 11.14: a GeoJSON nested thousands of levels deep (``[[[[…]]]]``) raised RecursionError
past every ``except JSONDecodeError`` — a traceback with server paths on the page. Now each file
a person hands in (paper opinions, an option's changes, a layer map) says it is not valid JSON,
in the reader's language, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cocreate_map.errors import CocreateError
from cocreate_map.io.geo_files import parse_layer_map
from cocreate_map.services import mark_files as MF
from cocreate_map.services import options as O
from cocreate_map.storage.db import transaction
from cocreate_map.storage.mark_tables import MarkRow
from tests.services.mark_factories import SLUG, load_demo, planner

DEEP = '{"type":"FeatureCollection","features":' + "[" * 200_000 + "]" * 200_000 + "}"


def marks(engine) -> int:  # noqa: ANN001
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(MarkRow)) or 0)


def test_deep_paper_geojson_is_refused_with_a_message(engine, tmp_path):
    demo = load_demo(engine)
    f = tmp_path / "paper.geojson"
    f.write_text(DEEP)
    before = marks(engine)
    with pytest.raises(CocreateError) as err, transaction(engine) as s:
        MF.import_paper_marks(s, f, SLUG, planner(demo))
    assert "paper.geojson" in err.value.render("zh") and "GeoJSON" in err.value.render("en")
    assert marks(engine) == before


def test_deep_option_file_is_refused_with_a_message(engine, tmp_path):
    demo = load_demo(engine)
    f = tmp_path / "option.geojson"
    f.write_text(DEEP)
    with pytest.raises(CocreateError) as err, transaction(engine) as s:
        O.import_option(s, f, SLUG, "方案甲", who=planner(demo))
    assert "GeoJSON" in err.value.render("en")
    with transaction(engine) as s:
        assert all(o.name != "方案甲" for o in O.list_options(s, SLUG))


def test_deep_layer_map_is_refused_with_a_message(tmp_path):
    f = tmp_path / "layers.json"
    f.write_text("{" + '"a":' * 1 + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(CocreateError):
        parse_layer_map(f)

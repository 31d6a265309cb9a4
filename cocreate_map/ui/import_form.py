"""The import page's form (ui/pages/import_data.py): the target community, what the uploaded file
holds (read once per upload), its layers' kinds, its CRS and the other reading options, the
preview on the map, the import (through ``ui/feedback.act``, all or nothing) and the undo list."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cocreate_map import services
from cocreate_map.domain.community import slugify
from cocreate_map.domain.elements import Kind
from cocreate_map.io.geo_files import ReadOptions
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import transaction
from cocreate_map.ui import maps, state, uploads, widgets
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

FILE_TYPES = ["geojson", "json", "gpkg", "zip", "shp", "shx", "dbf", "prj", "cpg", "kml", "dxf"]
KIND_VALUES = ["auto", *[k.value for k in Kind]]


def _kind_label(v: str) -> str:
    return t("import.kind.auto") if v == "auto" else t(f"kind.{v}")


def target_picker(files: list[Any] | None) -> tuple[str, str, str | None]:
    """An existing community or a new one: (target, slug, the new community's name)."""
    known = widgets.communities()
    targets = ["existing", "new"] if known else ["new"]
    target = st.radio(
        t("import.target"),
        targets,
        format_func=lambda v: t(f"import.target.{v}"),
        horizontal=True,
        key="import_target",
    )
    if target == "existing":
        by_slug = {c.slug: c for c in known}
        current = st.session_state.get(state.COMMUNITY)
        slugs = list(by_slug)
        slug = st.selectbox(
            t("community.label"),
            slugs,
            index=slugs.index(current) if current in slugs else 0,
            format_func=lambda s: f"{by_slug[s].name} ({s})",
            key="import_slug",
        )
        return target, slug, None
    create_name = st.text_input(t("import.new_name"), key="import_new_name")
    default_slug = slugify(files[0].name.rsplit(".", 1)[0]) if files else ""
    slug = st.text_input(t("import.new_slug"), value=default_slug, key="import_new_slug")
    return target, slug, create_name


def file_look(files: list[Any] | None, slug: str, target: str) -> tuple[Any, Any]:
    """What the file holds and an earlier import of it, read once per upload; a file that
    cannot be read says so when previewed or imported (one message, where the person
    pressed)."""
    if not files:
        return None, None
    look_key = (tuple((f.name, f.size) for f in files), slug, target)
    cached = st.session_state.get(state.IMPORT_LOOK)
    if cached is None or cached[0] != look_key:
        seen: list[tuple[Any, Any]] = []

        def read(session: Session) -> None:
            path, name = uploads.stage(files)
            found = services.look_at_file(session, path, name, slug or None)
            earlier = services.find_earlier(session, slug, path) if target == "existing" else None
            seen.append((found, earlier))

        act(read, refused=lambda exc: None)
        found, earlier = seen[0] if seen else (None, None)
        st.session_state[state.IMPORT_LOOK] = (look_key, found, earlier)
    _, look, earlier_import = st.session_state[state.IMPORT_LOOK]
    return look, earlier_import


def layer_kinds(look: Any) -> dict[str, Kind]:
    """The file's layers → kinds (a two-layer GeoPackage or KML is not all "other")."""
    layer_map: dict[str, Kind] = {}
    if look is not None and 1 < len(look.layers) <= 40:
        st.subheader(t("import.layers"))
        st.caption(t("import.layers_help"))
        for i, layer_name in enumerate(look.layers):
            choice = st.selectbox(
                layer_name, KIND_VALUES, format_func=_kind_label, key=f"import_layer_{i}"
            )
            if choice != "auto":
                layer_map[layer_name] = Kind(choice)
    return layer_map


def crs_choice(look: Any) -> str | None:
    """The CRS: the file's own (None), or one its coordinates fit (named), or any code typed."""
    crs_values: list[str] = ["file"]
    crs_labels: dict[str, str] = {}
    if look is not None:
        crs_labels["file"] = (
            t("import.crs.file", crs=look.declared_crs)
            if look.declared_crs
            else t("import.crs.none")
        )
        for cand in look.candidates[:12]:
            crs_values.append(cand.code)
            crs_labels[cand.code] = f"{cand.code} · {cand.name}"
    else:
        crs_labels["file"] = t("import.crs.auto")
    crs_values.append("other")
    crs_labels["other"] = t("import.crs.other")
    crs_pick = st.selectbox(
        t("import.crs_choice"),
        crs_values,
        format_func=lambda v: crs_labels.get(v, v),
        key="import_crs_pick",
    )
    if look is not None and look.candidates:
        sep = "、" if lang() == "zh" else ", "
        st.caption(t("import.crs_fits", items=sep.join(c.code for c in look.candidates[:4])))
    if crs_pick == "other":
        return st.text_input(t("import.crs"), key="import_crs").strip() or None
    if crs_pick != "file":
        return crs_pick
    return None


def replace_choice(target: str, look: Any, earlier_import: Any) -> bool:
    """The same file was imported before: warn, and offer to replace that import."""
    if target == "existing" and look is not None and earlier_import is not None:
        st.warning(
            t(
                "import.seen_before",
                id=earlier_import.id,
                at=earlier_import.created_at.strftime("%Y-%m-%d %H:%M"),
                n=earlier_import.elements,
            ),
            icon=":material/content_copy:",
        )
        return bool(st.checkbox(t("import.replace"), key="import_replace"))
    return False


def read_options(layer_map: dict[str, Kind], crs: str | None) -> ReadOptions:
    """The "more options" (one kind for all, coordinate system, encoding, outliers) with the
    layers' kinds and the CRS, as the reader's options."""
    with st.expander(t("import.more")):
        kind_choice = st.selectbox(
            t("import.kind"), KIND_VALUES, format_func=_kind_label, key="import_kind"
        )
        coords = st.selectbox(
            t("import.coords"),
            ["wgs84", "gcj02", "bd09"],
            format_func=lambda v: t(f"import.coords.{v}"),
            key="import_coords",
        )
        encoding = st.text_input(t("import.encoding"), key="import_encoding").strip() or None
        drop_outliers = st.checkbox(t("import.drop_outliers"), key="import_drop_outliers")
    return ReadOptions(
        kind=None if kind_choice == "auto" else Kind(kind_choice),
        layer_map=layer_map or None,
        crs=crs,
        coords=coords,
        encoding=encoding,
        drop_outliers=drop_outliers,
    )


def make_preview(files: list[Any], options: ReadOptions) -> None:
    """Read the file with ``options`` and keep the result for :func:`show_preview`."""
    st.session_state.pop(state.IMPORT_PREVIEW, None)
    with shown_errors():
        path, name = uploads.stage(files)
        result = services.preview_import(path, options, display_name=name)
        st.session_state[state.IMPORT_PREVIEW] = (name, result)


def commit(
    files: list[Any],
    slug: str,
    create_name: str | None,
    options: ReadOptions,
    who: StaffIdentity,
    replace: bool,
) -> None:
    """Import the file through ``act`` (all or nothing); after the commit, what was imported,
    repaired and noted, and a link to the map."""
    done: list[Any] = []

    def run(session: Session) -> None:
        path, name = uploads.stage(files)
        done.append(
            services.import_file(
                session,
                path,
                slug.strip(),
                create_name=create_name,
                options=options,
                display_name=name,
                who=who,
                replace=replace,
            )
        )

    if not act(run):
        return
    summary = done[0]
    st.session_state.pop(state.IMPORT_PREVIEW, None)
    st.session_state.pop(state.IMPORT_LOOK, None)
    st.session_state[state.COMMUNITY] = summary.slug
    st.success(t("import.done", n=summary.imported, name=summary.slug))
    for line in summary.repairs:
        st.caption(":material/build: " + line)
    for line in summary.notes:
        st.caption(":material/info: " + line)
    st.page_link(
        "cocreate_map/ui/pages/map.py",
        label=t("common.open_map"),
        icon=":material/map:",
        query_params={"community": summary.slug, "lang": lang()},
    )


def show_preview(look: Any) -> None:
    """The last preview: counts by kind, repairs, notes and the map."""
    preview = st.session_state.get(state.IMPORT_PREVIEW)
    if preview is None:
        return
    name, result = preview
    st.success(t("import.preview_ok", n=len(result.features), crs=result.source_crs))
    counts: dict[str, int] = {}
    for f in result.features:
        counts[f.kind.value] = counts.get(f.kind.value, 0) + 1
    st.caption(" · ".join(f"{t('kind.' + k)} {n}" for k, n in counts.items()))
    if counts.get(Kind.OTHER.value) == len(result.features) and look is not None:
        st.info(t("import.all_other"), icon=":material/help:")
    if result.repairs:
        with st.expander(f"{t('import.repairs')} ({len(result.repairs)})"):
            for r in result.repairs:
                st.text(str(r))
    if result.notes:
        with st.expander(f"{t('import.notes')} ({len(result.notes)})"):
            for line in result.notes:
                st.text(line)
    maps.render_map(services.preview_map_data(result, name), lang=lang(), key="import_preview_map")


def history(slug_now: str, who: StaffIdentity) -> None:
    """The community's imports, each with an undo button (admins and planners)."""
    with transaction(engine()) as session:
        rows = services.list_imports(session, slug_now)
    if not rows:
        return
    with st.expander(f"{t('import.history')} ({len(rows)})"):
        for row in rows:
            when = row.created_at.strftime("%Y-%m-%d %H:%M")
            col_text, col_button = st.columns([3, 1])
            if row.undone_at:
                col_text.markdown(f"#{row.id} · {row.filename} · {when} · {t('import.undone')}")
                continue
            col_text.markdown(
                f"#{row.id} · {row.filename} · {when} · {t('import.elements', n=row.elements)}"
            )
            if col_button.button(t("import.undo"), key=f"import_undo_{row.id}", width="stretch"):
                done = act(lambda s, i=row.id: services.undo_import(s, i, who=who))
                if done:
                    st.session_state.pop(state.IMPORT_LOOK, None)
                    st.rerun()

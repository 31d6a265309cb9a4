"""Import a planner's file: upload, preview on the map, then commit (all or nothing)."""

import streamlit as st

from cocreate_map import services
from cocreate_map.domain.community import slugify
from cocreate_map.domain.elements import Kind
from cocreate_map.io.geo_files import ReadOptions
from cocreate_map.storage.db import transaction
from cocreate_map.ui import maps, state, uploads, widgets
from cocreate_map.ui.feedback import shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

st.title(t("import.title"))
who = widgets.staff_gate("import_sign_in")
st.caption(t("import.help"))

files = st.file_uploader(
    t("import.file"),
    type=["geojson", "json", "gpkg", "zip", "shp", "shx", "dbf", "prj", "cpg", "kml", "dxf"],
    accept_multiple_files=True,
    key="import_files",
)
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
    create_name = None
else:
    create_name = st.text_input(t("import.new_name"), key="import_new_name")
    default_slug = slugify(files[0].name.rsplit(".", 1)[0]) if files else ""
    slug = st.text_input(t("import.new_slug"), value=default_slug, key="import_new_slug")

with st.expander(t("import.kind") + " · " + t("import.crs").split("（")[0].split(" (")[0]):
    kind_choice = st.selectbox(
        t("import.kind"),
        ["auto", *[k.value for k in Kind]],
        format_func=lambda v: t("import.kind.auto") if v == "auto" else t(f"kind.{v}"),
        key="import_kind",
    )
    crs = st.text_input(t("import.crs"), key="import_crs").strip() or None
    coords = st.selectbox(
        t("import.coords"),
        ["wgs84", "gcj02", "bd09"],
        format_func=lambda v: t(f"import.coords.{v}"),
        key="import_coords",
    )
    encoding = st.text_input(t("import.encoding"), key="import_encoding").strip() or None
    drop_outliers = st.checkbox(t("import.drop_outliers"), key="import_drop_outliers")

options = ReadOptions(
    kind=None if kind_choice == "auto" else Kind(kind_choice),
    crs=crs,
    coords=coords,
    encoding=encoding,
    drop_outliers=drop_outliers,
)

col_preview, col_commit = st.columns(2)
preview_clicked = col_preview.button(t("import.preview"), width="stretch")
commit_clicked = col_commit.button(
    t("import.commit"), type="primary", width="stretch", disabled=not files
)

if preview_clicked and files:
    st.session_state.pop(state.IMPORT_PREVIEW, None)
    with shown_errors():
        path, name = uploads.stage(files)
        result = services.preview_import(path, options, display_name=name)
        st.session_state[state.IMPORT_PREVIEW] = (name, result)

if commit_clicked and files:
    with shown_errors():
        path, name = uploads.stage(files)
        with transaction(engine()) as session:
            summary = services.import_file(
                session,
                path,
                slug.strip(),
                create_name=create_name if target == "new" else None,
                options=options,
                display_name=name,
                who=who,
            )
        st.session_state.pop(state.IMPORT_PREVIEW, None)
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

preview = st.session_state.get(state.IMPORT_PREVIEW)
if preview is not None:
    name, result = preview
    st.success(t("import.preview_ok", n=len(result.features), crs=result.source_crs))
    counts: dict[str, int] = {}
    for f in result.features:
        counts[f.kind.value] = counts.get(f.kind.value, 0) + 1
    st.caption(" · ".join(f"{t('kind.' + k)} {n}" for k, n in counts.items()))
    if result.repairs:
        with st.expander(f"{t('import.repairs')} ({len(result.repairs)})"):
            for r in result.repairs:
                st.text(str(r))
    if result.notes:
        with st.expander(f"{t('import.notes')} ({len(result.notes)})"):
            for line in result.notes:
                st.text(line)
    maps.render_map(services.preview_map_data(result, name), lang=lang(), key="import_preview_map")

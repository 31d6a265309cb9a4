"""Import a planner's file: upload, preview on the map, then commit (all or nothing)."""

import streamlit as st

from cocreate_map.ui import import_form as form
from cocreate_map.ui import widgets
from cocreate_map.ui.state import t

st.title(t("import.title"))
who = widgets.staff_gate("import_sign_in")
st.caption(t("import.help"))

files = st.file_uploader(
    t("import.file"), type=form.FILE_TYPES, accept_multiple_files=True, key="import_files"
)
target, slug, create_name = form.target_picker(files)
look, earlier_import = form.file_look(files, slug, target)
layer_map = form.layer_kinds(look)
crs = form.crs_choice(look)
replace = form.replace_choice(target, look, earlier_import)
options = form.read_options(layer_map, crs)

col_preview, col_commit = st.columns(2)
preview_clicked = col_preview.button(t("import.preview"), width="stretch")
commit_clicked = col_commit.button(
    t("import.commit"), type="primary", width="stretch", disabled=not files
)
if preview_clicked and files:
    form.make_preview(files, options)
if commit_clicked and files:
    form.commit(files, slug, create_name, options, who, replace)
form.show_preview(look)
if target == "existing" and slug:
    form.history(slug, who)

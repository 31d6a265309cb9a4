"""Residents mark problems on the map (决策共谋), phone first: join with the household code,
tap the map (or draw a line or an area), pick a category, say what is wrong, add a photo, submit.
Marks of the same kind within 30 m are offered first ("is it one of these? say 'me too'").
The list shows the community's marks with filters and sorting; ``?mark=ID`` opens one mark with
its "me too", comments, history and — once resolved — the residents' rating."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from cocreate_map import services
from cocreate_map.domain.annotations import (
    CATEGORY_CLASS,
    OPEN_FOR_COMMENTS,
    OPEN_FOR_SUPPORT,
    SAFETY_BY_DEFAULT,
    Category,
    RenovationClass,
)
from cocreate_map.errors import CocreateError, InvalidGeometry
from cocreate_map.services import marks as mark_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import mark_maps, state, style, widgets
from cocreate_map.ui import mark_views as views
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

MAP_HEIGHT = 440
SHAPE = "marks_shape"
CATEGORY = "marks_category"
TEXT = "marks_text"
SAFETY = "marks_safety"
SAFETY_FOR = "marks_safety_for"  # the category the tick's default was set for
PHOTO = "marks_photo"
PICK_MAP = "marks_pick_map"
PICK_GEN = "marks_pick_gen"  # bumped by _reset_form: a new key remounts the map, tap forgotten
SIMILAR = "marks_similar"  # ids offered as duplicates of the pending mark
TAPPED = "marks_tapped"  # id of the pin tapped on the marking map (offered like a duplicate)
SEEN = "marks_seen_taps"  # (last tap on the ground, last tap on an object) of the previous run
KEPT = "marks_kept_pick"  # {"shape", "geometry"}: the picked place, kept while the map is away
# The form's widgets keep their values while the resident looks at an offered mark's page (a
# widget not drawn in a run loses its value; assigning it keeps it): never lose the drawing.
FORM_KEYS = (SHAPE, CATEGORY, TEXT, SAFETY, state.MARKS_VIEW)
DONE = "marks_done"  # message after a submit
RESET = "marks_reset"
FIELD_ERROR = "marks_field_error"  # (field, message) from the last submit, shown at that field
TEXT_FIELD_KEYS = ("annotations.empty_say_few_words", "annotations.characters_most_fit_shorten")


community = widgets.current_community()
if community is None:
    st.stop()
slug = community.slug
st.title(t("marks.title"))
for _key in FORM_KEYS:
    if _key in st.session_state:
        st.session_state[_key] = st.session_state[_key]

wanted = widgets.id_param("mark")
me = widgets.household_gate(
    slug,
    form_key="marks_join",
    required=False,
    compact=bool(wanted) or st.session_state.get(state.MARKS_VIEW) == "list",
)
if me is not None:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**{escape_markdown(t('vote.joined_as', label=widgets.household_label(me)))}**")
    if right.button(t("vote.leave"), key="marks_leave"):
        widgets.leave_household()
        st.rerun()
elif not wanted:
    st.caption(t("marks.join_hint"))
my_id = me["id"] if me else None
viewer = views.Viewer(slug, community.id, my_id)


def offer_block(m: mark_service.MarkInfo) -> None:
    """What the resident can do with a mark offered as "is it this one?" (a duplicate nearby or
    a pin tapped while marking): "me too" where the mark takes it; an adopted or in-progress one
    is already being handled, so what they wrote goes to it as a comment; their own mark is
    theirs. Nothing here leaves the form: what was drawn stays until they choose."""
    if m.household_id == my_id:
        st.caption(t("marks.offer_own"))
    elif m.status in OPEN_FOR_SUPPORT:
        st.button(
            t("marks.me_too"), key=f"marks_similar_support_{m.id}", type="primary",
            width="stretch", on_click=support_instead, args=(m.id,), icon=":material/thumb_up:",
        )  # fmt: skip
    elif m.status in OPEN_FOR_COMMENTS:
        st.info(
            t("marks.offer_handled", state=views.status_label(m.status.value)),
            icon=":material/info:",
        )
        st.button(
            t("marks.offer_add_comment"), key=f"marks_similar_comment_{m.id}", type="primary",
            width="stretch", on_click=comment_instead, args=(m.id,), icon=":material/comment:",
        )  # fmt: skip
    st.button(
        t("marks.offer_open"), key=f"marks_open_{m.id}", on_click=views.open_mark, args=(m.id,),
        width="stretch",
    )  # fmt: skip


def support_instead(mark_id: int) -> None:
    views.support(viewer, mark_id)
    st.session_state.pop(SIMILAR, None)
    st.session_state.pop(TAPPED, None)
    st.session_state[RESET] = True


def comment_instead(mark_id: int) -> None:
    """The resident's description goes to a mark already being handled, as a comment."""
    assert my_id is not None
    text = str(st.session_state.get(TEXT) or "")
    if not text.strip():
        st.session_state[FIELD_ERROR] = ("text", t("marks.offer_needs_text"))
        return
    try:
        with transaction(engine()) as session:
            mark_service.add_comment(session, mark_id, text, household_id=my_id)
    except CocreateError as exc:
        st.session_state[FIELD_ERROR] = ("submit", exc.render(lang()))
        return
    st.session_state.pop(SIMILAR, None)
    st.session_state.pop(TAPPED, None)
    st.session_state[DONE] = t("marks.offer_commented", id=mark_id)
    st.session_state[RESET] = True


# ---------------------------------------------------------------- marking


def _geometry_from_map(shape: str, result: dict[str, Any]) -> dict[str, Any] | None:
    if shape == "point":
        clicked = result.get("last_clicked")
        if clicked and "lat" in clicked and "lng" in clicked:
            return {"type": "Point", "coordinates": [clicked["lng"], clicked["lat"]]}
        return None
    drawing = result.get("last_active_drawing") or {}
    geometry = drawing.get("geometry") or {}
    wanted = "LineString" if shape == "line" else "Polygon"
    return geometry if geometry.get("type") == wanted else None


def _field_of(exc: CocreateError) -> str:
    """Which field an error of submit_mark is about: where the person has to act."""
    key = exc.key or ""
    if key in TEXT_FIELD_KEYS:
        return "text"
    if key.startswith("photos."):
        return "photo"
    if key.startswith("annotations.unknown_category"):
        return "category"
    if isinstance(exc, InvalidGeometry) or key.startswith("marks.mark_"):
        return "place"
    return "submit"


def field_error(field: str) -> None:
    """The error of the last submit, if it is about ``field``: shown here and scrolled into view
    (a phone shows only a screen's height; an error under the button goes unseen)."""
    err = st.session_state.get(FIELD_ERROR)
    if not err or err[0] != field:
        return
    st.session_state.pop(FIELD_ERROR, None)
    st.error(err[1], icon=":material/error:")
    st.html(
        f'<div id="marks-error-{field}"></div><script>'
        f'document.getElementById("marks-error-{field}")'
        '?.closest("[data-testid=stElementContainer]")?.previousElementSibling'
        '?.scrollIntoView({block: "center", behavior: "smooth"});</script>',
        unsafe_allow_javascript=True,
    )


def _refuse(field: str, message: str) -> None:
    """Keep the form (and what was drawn) and show ``message`` at ``field``."""
    st.session_state[FIELD_ERROR] = (field, message)
    st.rerun()


def _reset_form() -> None:
    """Empty the form for the next mark. Values are set, not just dropped: a dropped key leaves
    the browser showing (and sending back) the old choice."""
    st.session_state[CATEGORY] = None
    st.session_state[TEXT] = ""
    st.session_state[SAFETY] = False
    st.session_state.pop(SAFETY_FOR, None)
    for key in (PHOTO, pick_map_key(), SIMILAR, TAPPED, SEEN, KEPT):
        st.session_state.pop(key, None)
    # The map component keeps its last tap in the browser and sends it back on every rerun
    # (its arguments are unchanged, so it is not remounted): a new key is a new, empty map.
    st.session_state[PICK_GEN] = st.session_state.get(PICK_GEN, 0) + 1


def pick_map_key() -> str:
    """The marking map's key for the current form (the first one is ``PICK_MAP`` itself)."""
    gen = st.session_state.get(PICK_GEN, 0)
    return PICK_MAP if gen == 0 else f"{PICK_MAP}_{gen}"


def tapped_block(result: dict[str, Any], marks: list[mark_service.MarkInfo]) -> None:
    """A tap on an existing pin while marking drops no new point (a pin takes the tap): that
    mark is offered here, under the map, with "me too" (or what else fits its state). A tap on
    the ground afterwards puts the offer away."""
    ground, thing = result.get("last_clicked"), result.get("last_object_clicked")
    seen = st.session_state.get(SEEN) or (None, None)
    st.session_state[SEEN] = (ground, thing)
    if ground != seen[0]:
        st.session_state.pop(TAPPED, None)
    if thing and thing != seen[1]:
        mark_id = mark_maps.tapped_mark(result, marks)
        if mark_id is not None:
            st.session_state[TAPPED] = mark_id
    tapped = next((m for m in marks if m.id == st.session_state.get(TAPPED)), None)
    if tapped is None:
        return
    with st.container(key="marks_tapped_offer"):
        st.warning(t("marks.tapped_pin", id=tapped.id), icon=":material/push_pin:")
        views.mark_card(tapped, offer_block if my_id is not None else None)


def category_pills() -> str | None:
    """The categories as pills grouped under their class (基础类, 完善类, 提升类), one choice."""
    groups = {
        cls.value: [c.value for c in Category if CATEGORY_CLASS[c] is cls]
        for cls in RenovationClass
    }
    chosen = st.session_state.get(CATEGORY)
    st.markdown(f"**{t('marks.category')}**")
    picked: str | None = None
    for cls, cats in groups.items():
        key = f"{CATEGORY}_{cls}"
        # one choice across the groups: a pick in one group clears the others
        st.session_state[key] = chosen if chosen in cats else None
        st.pills(
            t(f"class.{cls}"), cats, format_func=views.cat_label, key=key,
            on_change=_category_changed, args=(key,),
        )  # fmt: skip
        if chosen in cats:
            picked = chosen
    return picked


def _category_changed(key: str) -> None:
    st.session_state[CATEGORY] = st.session_state.get(key)


def mark_tab() -> None:
    if st.session_state.pop(RESET, False):
        _reset_form()
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
        st.toast(done, icon=":material/check_circle:")  # seen on a phone scrolled to the button
    if my_id is None:
        st.info(t("marks.join_to_mark"), icon=":material/key:")
        return
    st.session_state.setdefault(SHAPE, "point")
    shape = st.segmented_control(
        t("marks.shape"), ["point", "line", "polygon"], format_func=lambda s: t(f"marks.shape_{s}"),
        key=SHAPE, required=True,
    ) or "point"  # fmt: skip
    st.caption(t(f"marks.hint_{shape}"))
    with transaction(engine()) as session:
        data = services.map_data(session, slug)
        marks = mark_service.list_marks(session, slug, viewer_household_id=my_id)
    previous = st.session_state.get(pick_map_key())
    picked = _geometry_from_map(shape, previous if isinstance(previous, dict) else {})
    kept = st.session_state.get(KEPT)
    if picked is None and isinstance(kept, dict) and kept.get("shape") == shape:
        picked = kept["geometry"]
    result = mark_maps.render_marks_map(
        data, marks, lang(), key=pick_map_key(), pick=shape, picked=picked, height=MAP_HEIGHT,
        legends=False,  # two open legends would cover this shorter map and its zoom buttons
        taps=shape == "point",
    )  # fmt: skip
    picked = _geometry_from_map(shape, result) or picked
    if picked is not None:
        st.session_state[KEPT] = {"shape": shape, "geometry": picked}
    tapped_block(result, marks)
    field_error("place")
    if picked is None:
        st.info(t(f"marks.pick_{shape}"), icon=":material/touch_app:")
    else:
        st.success(t("marks.picked_ok"), icon=":material/location_on:")
    field_error("category")
    category = category_pills()
    if category and st.session_state.get(SAFETY_FOR) != category:
        # a new category sets the tick to its default (排水/安全防范 ticked); the resident may clear it
        st.session_state[SAFETY_FOR] = category
        st.session_state[SAFETY] = Category(category) in SAFETY_BY_DEFAULT
    safety = st.checkbox(t("marks.safety"), key=SAFETY, help=t("marks.safety_help"))
    field_error("text")
    text = st.text_area(
        t("marks.text_label"), max_chars=500, key=TEXT, placeholder=t("marks.text_placeholder")
    )
    field_error("photo")
    photo = st.file_uploader(t("marks.photo"), type=["jpg", "jpeg", "png", "webp"], key=PHOTO)
    st.caption(t("marks.photo_limit", mb=style.upload_limit_mb("photo")))
    similar_ids = st.session_state.get(SIMILAR)
    if similar_ids:
        with transaction(engine()) as session:
            offered = [mark_service.get_mark(session, i) for i in similar_ids]
        st.warning(t("marks.similar_found", n=len(offered)), icon=":material/help:")
        for m in offered:
            views.mark_card(m, offer_block if my_id is not None else None)
        go_on = st.button(t("marks.submit_anyway"), key="marks_submit_anyway", width="stretch")
    else:
        go_on = False
    field_error("submit")
    submit = st.button(
        t("marks.submit"), type="primary", width="stretch", key="marks_submit",
        icon=":material/send:",
    )  # fmt: skip
    if not (submit or go_on):
        return
    if picked is None:
        _refuse("place", t(f"marks.pick_{shape}"))
    if not category:
        _refuse("category", t("marks.pick_category"))
    try:
        with transaction(engine()) as session:
            result_ = mark_service.submit_mark(
                session, slug, my_id, category, text, json.dumps(picked), safety=bool(safety),
                photo_bytes=photo.getvalue() if photo is not None else None,
                check_similar=not go_on,
            )  # fmt: skip
    except CocreateError as exc:
        _refuse(_field_of(exc), exc.render(lang()))
        return
    if result_.similar:
        st.session_state[SIMILAR] = [m.id for m in result_.similar]
        st.rerun()
    st.session_state[DONE] = t("marks.submitted", id=result_.mark.id)
    st.session_state[RESET] = True
    st.rerun()


# ---------------------------------------------------------------- page

if wanted is not None:
    views.show_detail(viewer, wanted)
    st.stop()

if my_id is not None and not st.session_state.get(state.MARKS_VIEW_JOINED):
    st.session_state[state.MARKS_VIEW_JOINED] = True  # just joined: go to marking
    st.session_state[state.MARKS_VIEW] = "mark"
st.session_state.setdefault(state.MARKS_VIEW, "list")
view = st.segmented_control(
    t("marks.view"), ["mark", "list"], format_func=lambda v: t(f"marks.tab_{v}"),
    key=state.MARKS_VIEW, width="stretch", required=True,
) or "list"  # fmt: skip
if view == "mark":
    mark_tab()
else:
    views.list_tab(viewer)

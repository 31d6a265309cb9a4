"""The marking form of the marks page (ui/pages/marks.py): tap the map (or draw a line or an
area), pick a category, say what is wrong, add a photo, submit. Marks of the same kind nearby,
and a pin tapped while marking, are offered first ("is it this one? say 'me too'"). An error of
the last submit is shown at the field it is about; every write runs through ``ui/feedback.act``."""

from __future__ import annotations

import json
from collections.abc import Callable
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
from cocreate_map.ui import mark_maps, state, style
from cocreate_map.ui import mark_views as views
from cocreate_map.ui.feedback import act
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

MAP_HEIGHT = 440
# The form's widgets keep their values while the resident looks at an offered mark's page (a
# widget not drawn in a run loses its value; assigning it keeps it): never lose the drawing.
FORM_KEYS = (
    state.MARKS_SHAPE,
    state.MARKS_CATEGORY,
    state.MARKS_TEXT,
    state.MARKS_SAFETY,
    state.MARKS_VIEW,
)
TEXT_FIELD_KEYS = ("annotations.empty_say_few_words", "annotations.characters_most_fit_shorten")


def keep_form_values() -> None:
    """Assign the form's widget values to themselves, so that a run that does not draw the form
    keeps them."""
    for key in FORM_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def offer_block(v: views.Viewer, m: mark_service.MarkInfo) -> None:
    """What the resident can do with a mark offered as "is it this one?" (a duplicate nearby or
    a pin tapped while marking): "me too" where the mark takes it; an adopted or in-progress one
    is already being handled, so what they wrote goes to it as a comment; their own mark is
    theirs. Nothing here leaves the form: what was drawn stays until they choose."""
    if m.household_id == v.household_id:
        st.caption(t("marks.offer_own"))
    elif m.status in OPEN_FOR_SUPPORT:
        st.button(
            t("marks.me_too"), key=f"marks_similar_support_{m.id}", type="primary",
            width="stretch", on_click=support_instead, args=(v, m.id), icon=":material/thumb_up:",
        )  # fmt: skip
    elif m.status in OPEN_FOR_COMMENTS:
        st.info(
            t("marks.offer_handled", state=views.status_label(m.status.value)),
            icon=":material/info:",
        )
        st.button(
            t("marks.offer_add_comment"), key=f"marks_similar_comment_{m.id}", type="primary",
            width="stretch", on_click=comment_instead, args=(v, m.id), icon=":material/comment:",
        )  # fmt: skip
    st.button(
        t("marks.offer_open"), key=f"marks_open_{m.id}", on_click=views.open_mark, args=(m.id,),
        width="stretch",
    )  # fmt: skip


def _offer(v: views.Viewer) -> Callable[[mark_service.MarkInfo], None] | None:
    """The offer for a mark card: only a signed-in household may take it."""
    if v.household_id is None:
        return None
    return lambda m: offer_block(v, m)


def support_instead(v: views.Viewer, mark_id: int) -> None:
    """ "Me too" on an offered mark instead of a new one; the form is emptied."""
    views.support(v, mark_id)
    st.session_state.pop(state.MARKS_SIMILAR, None)
    st.session_state.pop(state.MARKS_TAPPED, None)
    st.session_state[state.MARKS_RESET] = True


def comment_instead(v: views.Viewer, mark_id: int) -> None:
    """The resident's description goes to a mark already being handled, as a comment."""
    assert v.household_id is not None
    text = str(st.session_state.get(state.MARKS_TEXT) or "")
    if not text.strip():
        st.session_state[state.MARKS_FIELD_ERROR] = ("text", t("marks.offer_needs_text"))
        return

    def refused(exc: CocreateError) -> None:
        st.session_state[state.MARKS_FIELD_ERROR] = ("submit", exc.render(lang()))

    if not act(
        lambda s: mark_service.add_comment(s, mark_id, text, household_id=v.household_id),
        refused=refused,
    ):
        return
    st.session_state.pop(state.MARKS_SIMILAR, None)
    st.session_state.pop(state.MARKS_TAPPED, None)
    st.session_state[state.MARKS_DONE] = t("marks.offer_commented", id=mark_id)
    st.session_state[state.MARKS_RESET] = True


def _geometry_from_map(shape: str, result: dict[str, Any]) -> dict[str, Any] | None:
    """The point tapped or the line or area drawn on the marking map, as GeoJSON."""
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
    err = st.session_state.get(state.MARKS_FIELD_ERROR)
    if not err or err[0] != field:
        return
    st.session_state.pop(state.MARKS_FIELD_ERROR, None)
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
    st.session_state[state.MARKS_FIELD_ERROR] = (field, message)
    st.rerun()


def _reset_form() -> None:
    """Empty the form for the next mark. Values are set, not just dropped: a dropped key leaves
    the browser showing (and sending back) the old choice."""
    st.session_state[state.MARKS_CATEGORY] = None
    st.session_state[state.MARKS_TEXT] = ""
    st.session_state[state.MARKS_SAFETY] = False
    st.session_state.pop(state.MARKS_SAFETY_FOR, None)
    for key in (
        state.MARKS_PHOTO,
        pick_map_key(),
        state.MARKS_SIMILAR,
        state.MARKS_TAPPED,
        state.MARKS_SEEN,
        state.MARKS_KEPT,
    ):
        st.session_state.pop(key, None)
    # The map component keeps its last tap in the browser and sends it back on every rerun
    # (its arguments are unchanged, so it is not remounted): a new key is a new, empty map.
    st.session_state[state.MARKS_PICK_GEN] = st.session_state.get(state.MARKS_PICK_GEN, 0) + 1


def pick_map_key() -> str:
    """The marking map's key for the current form (the first one is ``MARKS_PICK_MAP`` itself)."""
    gen = st.session_state.get(state.MARKS_PICK_GEN, 0)
    return state.MARKS_PICK_MAP if gen == 0 else f"{state.MARKS_PICK_MAP}_{gen}"


def tapped_block(
    v: views.Viewer, result: dict[str, Any], marks: list[mark_service.MarkInfo]
) -> None:
    """A tap on an existing pin while marking drops no new point (a pin takes the tap): that
    mark is offered here, under the map, with "me too" (or what else fits its state). A tap on
    the ground afterwards puts the offer away."""
    ground, thing = result.get("last_clicked"), result.get("last_object_clicked")
    seen = st.session_state.get(state.MARKS_SEEN) or (None, None)
    st.session_state[state.MARKS_SEEN] = (ground, thing)
    if ground != seen[0]:
        st.session_state.pop(state.MARKS_TAPPED, None)
    if thing and thing != seen[1]:
        mark_id = mark_maps.tapped_mark(result, marks)
        if mark_id is not None:
            st.session_state[state.MARKS_TAPPED] = mark_id
    tapped = next((m for m in marks if m.id == st.session_state.get(state.MARKS_TAPPED)), None)
    if tapped is None:
        return
    with st.container(key="marks_tapped_offer"):
        st.warning(t("marks.tapped_pin", id=tapped.id), icon=":material/push_pin:")
        views.mark_card(tapped, _offer(v))


def category_pills() -> str | None:
    """The categories as pills grouped under their class (基础类, 完善类, 提升类), one choice."""
    groups = {
        cls.value: [c.value for c in Category if CATEGORY_CLASS[c] is cls]
        for cls in RenovationClass
    }
    chosen = st.session_state.get(state.MARKS_CATEGORY)
    st.markdown(f"**{t('marks.category')}**")
    picked: str | None = None
    for cls, cats in groups.items():
        key = f"{state.MARKS_CATEGORY}_{cls}"
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
    st.session_state[state.MARKS_CATEGORY] = st.session_state.get(key)


def place_picker(v: views.Viewer, shape: str) -> dict[str, Any] | None:
    """The marking map with the community's marks; the place picked on it (kept while the map
    is away), and a tapped pin offered under it."""
    with transaction(engine()) as session:
        data = services.map_data(session, v.slug)
        marks = mark_service.list_marks(session, v.slug, viewer_household_id=v.household_id)
    previous = st.session_state.get(pick_map_key())
    picked = _geometry_from_map(shape, previous if isinstance(previous, dict) else {})
    kept = st.session_state.get(state.MARKS_KEPT)
    if picked is None and isinstance(kept, dict) and kept.get("shape") == shape:
        picked = kept["geometry"]
    result = mark_maps.render_marks_map(
        data, marks, lang(), key=pick_map_key(), pick=shape, picked=picked, height=MAP_HEIGHT,
        legends=False,  # two open legends would cover this shorter map and its zoom buttons
        taps=shape == "point",
    )  # fmt: skip
    picked = _geometry_from_map(shape, result) or picked
    if picked is not None:
        st.session_state[state.MARKS_KEPT] = {"shape": shape, "geometry": picked}
    tapped_block(v, result, marks)
    return picked


def similar_offer(v: views.Viewer) -> bool:
    """The marks offered as duplicates of the pending one; True when "submit anyway" was
    pressed."""
    similar_ids = st.session_state.get(state.MARKS_SIMILAR)
    if not similar_ids:
        return False
    with transaction(engine()) as session:
        offered = [mark_service.get_mark(session, i) for i in similar_ids]
    st.warning(t("marks.similar_found", n=len(offered)), icon=":material/help:")
    for m in offered:
        views.mark_card(m, _offer(v))
    return st.button(t("marks.submit_anyway"), key="marks_submit_anyway", width="stretch")


def mark_tab(v: views.Viewer) -> None:
    """The marking form, for a signed-in household (others are asked to join)."""
    if st.session_state.pop(state.MARKS_RESET, False):
        _reset_form()
    done = st.session_state.pop(state.MARKS_DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
        st.toast(done, icon=":material/check_circle:")  # seen on a phone scrolled to the button
    if v.household_id is None:
        st.info(t("marks.join_to_mark"), icon=":material/key:")
        return
    st.session_state.setdefault(state.MARKS_SHAPE, "point")
    shape = st.segmented_control(
        t("marks.shape"), ["point", "line", "polygon"], format_func=lambda s: t(f"marks.shape_{s}"),
        key=state.MARKS_SHAPE, required=True,
    ) or "point"  # fmt: skip
    st.caption(t(f"marks.hint_{shape}"))
    picked = place_picker(v, shape)
    field_error("place")
    if picked is None:
        st.info(t(f"marks.pick_{shape}"), icon=":material/touch_app:")
    else:
        st.success(t("marks.picked_ok"), icon=":material/location_on:")
    field_error("category")
    category = category_pills()
    if category and st.session_state.get(state.MARKS_SAFETY_FOR) != category:
        # a new category sets the tick to its default (排水/安全防范 ticked); the resident may clear it
        st.session_state[state.MARKS_SAFETY_FOR] = category
        st.session_state[state.MARKS_SAFETY] = Category(category) in SAFETY_BY_DEFAULT
    safety = st.checkbox(t("marks.safety"), key=state.MARKS_SAFETY, help=t("marks.safety_help"))
    field_error("text")
    text = st.text_area(
        t("marks.text_label"), max_chars=500, key=state.MARKS_TEXT,
        placeholder=t("marks.text_placeholder"),
    )  # fmt: skip
    field_error("photo")
    photo = st.file_uploader(
        t("marks.photo"), type=["jpg", "jpeg", "png", "webp"], key=state.MARKS_PHOTO
    )
    st.caption(t("marks.photo_limit", mb=style.upload_limit_mb("photo")))
    go_on = similar_offer(v)
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
    submit_mark(v, category, text, picked, bool(safety), photo, check_similar=not go_on)


def submit_mark(
    v: views.Viewer,
    category: str,
    text: str,
    picked: dict[str, Any] | None,
    safety: bool,
    photo: Any,
    *,
    check_similar: bool,
) -> None:
    """Submit the mark through ``act``: a refusal goes to its field, marks of the same kind
    nearby are offered first, else the form is emptied for the next mark."""
    assert v.household_id is not None
    household_id = v.household_id
    done: list[mark_service.SubmitResult] = []
    act(
        lambda s: done.append(
            mark_service.submit_mark(
                s, v.slug, household_id, category, text, json.dumps(picked), safety=safety,
                photo_bytes=photo.getvalue() if photo is not None else None,
                check_similar=check_similar,
            )
        ),
        refused=lambda exc: _refuse(_field_of(exc), exc.render(lang())),
    )  # fmt: skip
    if not done:
        return
    if done[0].similar:
        st.session_state[state.MARKS_SIMILAR] = [m.id for m in done[0].similar]
        st.rerun()
    st.session_state[state.MARKS_DONE] = t("marks.submitted", id=done[0].mark.id)
    st.session_state[state.MARKS_RESET] = True
    st.rerun()

"""What a resident sees of the marks (ui/pages/marks.py): one mark with its "me too", rating,
history and comments, and the community's list with filters. Each view takes the
:class:`Viewer` (the community, and the household signed in on this phone, if any); every text is
escaped; every write goes through a use case that checks who may make it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from cocreate_map import services
from cocreate_map.domain.annotations import CATEGORY_CLASS, Category, Status
from cocreate_map.domain.china_time import china_time
from cocreate_map.errors import CocreateError
from cocreate_map.services import marks as mark_service
from cocreate_map.storage.db import transaction
from cocreate_map.ui import mark_maps, widgets
from cocreate_map.ui.escape import escape_markdown
from cocreate_map.ui.feedback import act, shown_errors
from cocreate_map.ui.resources import engine
from cocreate_map.ui.state import lang, t

PAGE_SIZE = 20
SHOWN = "marks_shown"  # how many marks of the list are shown


@dataclass(frozen=True)
class Viewer:
    """Who looks: the community and the household signed in on this phone (None: a visitor)."""

    slug: str
    community_id: int
    household_id: int | None


def local(dt: datetime | None) -> str:
    return china_time(dt, "%m-%d %H:%M")


def cat_label(category: str) -> str:
    return t(f"category.{category}")


def class_label(category: str) -> str:
    return t(f"class.{CATEGORY_CLASS[Category(category)].value}")


def status_label(status: str) -> str:
    return t(f"mark_status.{status}")


def author_label(author: str) -> str:
    if author.startswith("staff:"):
        name = author.removeprefix("staff:")
        return t("marks.staff_author", name=name) if name else t("marks.staff")
    if author.startswith("building:"):
        return t("marks.building_resident", b=author.removeprefix("building:"))
    b, _, rest = author.partition("-")
    u, _, r = rest.partition("-")
    return t("vote.household_label", b=b, u=u, r=r) if r else author


def open_mark(mark_id: int | None) -> None:
    if mark_id is None:
        st.query_params.pop("mark", None)
    else:
        st.query_params["mark"] = str(mark_id)


def support(v: Viewer, mark_id: int) -> None:
    """ "Me too" from a button callback: the outcome as a toast, where a phone user looks."""
    assert v.household_id is not None
    try:
        with transaction(engine()) as session:
            added, n = mark_service.support_mark(session, mark_id, v.household_id)
    except CocreateError as exc:
        st.toast(exc.render(lang()), icon=":material/warning:")
        return
    st.toast(t("marks.supported", n=n) if added else t("marks.already_supported"))


# ---------------------------------------------------------------- one mark


def show_detail(v: Viewer, mark_id: int) -> None:
    """One mark: its text, photos, place, "me too", rating, history and comments."""
    st.button(t("marks.back"), icon=":material/arrow_back:", on_click=open_mark, args=(None,))
    try:
        with transaction(engine()) as session:
            d = mark_service.mark_detail(
                session,
                mark_id,
                v.household_id,
                widgets.current_staff(),
                community_id=v.community_id,
            )
            photos = [mark_service.photo(session, pid).data for pid in d.photo_ids]
    except CocreateError as exc:
        st.warning(exc.render(lang()), icon=":material/info:")
        return
    m = d.mark
    st.subheader(f"{cat_label(m.category.value)} · #{m.id}")
    badges = [class_label(m.category.value), status_label(m.status.value)]
    if m.safety:
        badges.append(t("marks.safety_tag"))
    if m.source == "paper":
        badges.append(t("marks.paper"))
    st.markdown(" · ".join(f"**{b}**" for b in badges))
    st.markdown(escape_markdown(m.text))
    if m.status is Status.DECLINED and m.decline_reason:
        st.info(
            f"{t('marks.declined_because')} {escape_markdown(m.decline_reason)}",
            icon=":material/info:",
        )
    if m.status is Status.HIDDEN and m.hidden_reason:
        st.warning(
            f"{t('marks.hidden_because')} {escape_markdown(m.hidden_reason)}",
            icon=":material/info:",
        )
    if m.status is Status.SUBMITTED:
        st.caption(t("marks.waiting_review"))
    for data in photos:
        st.image(data, width="stretch")
    with transaction(engine()) as session:
        base = services.map_data(session, v.slug)
    mark_maps.render_marks_map(
        base, [m], lang(), key=f"marks_detail_map_{m.id}", focus=m.geometry, height=260,
        legends=False,
    )  # fmt: skip
    meta = [t("marks.supports_n", n=m.supports)]
    if m.building:
        meta.append(t("marks.building_n", b=m.building))
    meta.append(local(m.submitted_at))
    st.caption(" · ".join(meta))
    if d.can_support:
        st.button(
            t("marks.me_too"),
            type="primary",
            width="stretch",
            icon=":material/thumb_up:",
            key=f"marks_support_{m.id}",
            on_click=support,
            args=(v, m.id),
        )
    elif d.supported_by_me:
        st.success(t("marks.you_support"), icon=":material/thumb_up:")
    if m.status in (Status.RESOLVED, Status.EVALUATED):
        rating_block(v, d)
    if d.can_edit:
        own_mark_block(v, d)
    with st.expander(t("marks.history"), icon=":material/history:"):
        for state, when in d.history:
            st.markdown(f"- {status_label(state)} · {local(when)}")
    st.markdown(f"#### {t('marks.comments', n=m.comments)}")
    for c in d.comments:
        comment_block(v, m.id, c, d.can_comment)
    if d.can_comment:
        with st.form(f"marks_comment_{m.id}", clear_on_submit=True):
            text = st.text_area(t("marks.comment_label"), max_chars=500, height=90)
            if st.form_submit_button(t("marks.comment_send"), type="primary"):
                if act(
                    lambda s: mark_service.add_comment(s, m.id, text, household_id=v.household_id)
                ):
                    st.rerun()
    elif v.household_id is None:
        st.caption(t("marks.join_to_comment"))


def comment_block(v: Viewer, mark_id: int, c: mark_service.Comment, can_reply: bool) -> None:
    with st.container(border=True):
        who = author_label(c.author)
        tag = f" · **{t('marks.official')}**" if c.official else ""
        st.caption(f"{escape_markdown(who)}{tag} · {local(c.created_at)}")
        st.markdown(escape_markdown(c.text))
        for r in c.replies:
            rtag = f" · **{t('marks.official')}**" if r.official else ""
            st.caption(f"↳ {escape_markdown(author_label(r.author))}{rtag} · {local(r.created_at)}")
            st.markdown(escape_markdown(r.text))
        if can_reply and v.household_id is not None:
            with st.popover(t("marks.reply"), icon=":material/reply:"):
                with st.form(f"marks_reply_{c.id}", clear_on_submit=True):
                    text = st.text_area(t("marks.comment_label"), max_chars=500, height=80)
                    if st.form_submit_button(t("marks.comment_send"), type="primary"):
                        if act(
                            lambda s: mark_service.add_comment(
                                s, mark_id, text, household_id=v.household_id, parent_id=c.id
                            )
                        ):
                            st.rerun()


def rating_block(v: Viewer, d: mark_service.MarkDetail) -> None:
    m = d.mark
    if m.ratings:
        st.markdown(t("marks.rating_mean", mean=f"{m.rating_mean:.1f}", n=m.ratings))
    if not d.can_rate:
        return
    st.markdown(t("marks.rate_prompt"))
    stars = st.feedback("stars", key=f"marks_rate_{m.id}")
    if stars is not None and stars + 1 != d.my_rating:
        with shown_errors(), transaction(engine()) as session:
            mark_service.rate_mark(session, m.id, v.household_id or 0, stars + 1)
            st.success(t("marks.rated", n=stars + 1), icon=":material/star:")
    elif d.my_rating:
        st.caption(t("marks.your_rating", n=d.my_rating))


def own_mark_block(v: Viewer, d: mark_service.MarkDetail) -> None:
    m = d.mark
    with st.expander(t("marks.edit_own"), icon=":material/edit:"):
        text = st.text_area(t("marks.text_label"), m.text, max_chars=500, key=f"marks_edit_{m.id}")
        c1, c2 = st.columns(2)
        if c1.button(t("marks.save"), key=f"marks_save_{m.id}", type="primary"):
            if act(lambda s: mark_service.edit_mark(s, m.id, v.household_id or 0, text=text)):
                st.rerun()
        if c2.button(t("marks.withdraw"), key=f"marks_withdraw_{m.id}"):
            if act(lambda s: mark_service.withdraw_mark(s, m.id, v.household_id or 0)):
                open_mark(None)
                st.rerun()


# ---------------------------------------------------------------- lists


def mark_card(
    m: mark_service.MarkInfo, offer: Callable[[mark_service.MarkInfo], None] | None = None
) -> None:
    """A mark in a list; ``offer``: what a signed-in resident may do with it instead of
    opening it (the marking form's \"is it this one?\")."""
    with st.container(border=True):
        head = f"**{cat_label(m.category.value)}** · {class_label(m.category.value)} · "
        head += status_label(m.status.value)
        if m.safety:
            head += f" · :red[**{t('marks.safety_tag')}**]"
        if m.source == "paper":
            head += f" · {t('marks.paper')}"
        st.markdown(head)
        text = m.text if len(m.text) <= 140 else m.text[:139] + "…"
        st.markdown(escape_markdown(text))
        meta = [t("marks.supports_n", n=m.supports), t("marks.comments_n", n=m.comments)]
        if m.building:
            meta.append(t("marks.building_n", b=m.building))
        meta.append(local(m.submitted_at))
        st.caption(" · ".join(meta))
        if offer is not None:
            offer(m)
            return
        st.button(
            t("marks.open"), key=f"marks_open_{m.id}", on_click=open_mark, args=(m.id,),
            width="stretch",
        )  # fmt: skip


def list_tab(v: Viewer) -> None:
    """The community's marks, filtered and sorted, a page at a time."""
    with transaction(engine()) as session:
        buildings = mark_service.buildings_of(session, v.slug)
    with st.expander(t("marks.filters"), icon=":material/filter_list:"):
        cats = st.multiselect(
            t("marks.filter_category"), [c.value for c in Category], format_func=cat_label,
            key="marks_f_cat", placeholder=t("marks.choose"),
        )  # fmt: skip
        states = st.multiselect(
            t("marks.filter_status"),
            [s.value for s in Status if s not in (Status.HIDDEN, Status.WITHDRAWN)],
            format_func=status_label,
            key="marks_f_status",
            placeholder=t("marks.choose"),
        )
        building = st.selectbox(
            t("marks.filter_building"), ["", *buildings],
            format_func=lambda b: b or t("marks.all_buildings"), key="marks_f_building",
        )  # fmt: skip
        mine = st.toggle(t("marks.only_mine"), key="marks_f_mine", disabled=v.household_id is None)
    sort = st.segmented_control(
        t("marks.sort"), ["supported", "newest"], format_func=lambda s: t(f"marks.sort_{s}"),
        default="supported", key="marks_sort",
    ) or "supported"  # fmt: skip
    with shown_errors(), transaction(engine()) as session:
        marks = mark_service.list_marks(
            session, v.slug, categories=cats, statuses=states, building=building or None,
            mine_household_id=v.household_id if mine else None,
            viewer_household_id=v.household_id, sort=sort,
        )  # fmt: skip
    if "marks" not in locals():
        return
    st.caption(t("marks.count", n=len(marks)))
    shown = st.session_state.get(SHOWN, PAGE_SIZE)
    for m in marks[:shown]:
        mark_card(m)
    if len(marks) > shown:
        if st.button(t("marks.more"), key="marks_more", width="stretch"):
            st.session_state[SHOWN] = shown + PAGE_SIZE
            st.rerun()

"""Every st.session_state key in one place, and the language/community choice."""

from __future__ import annotations

import streamlit as st

from cocreate_map import config
from cocreate_map.ui.i18n import LANGS, translate

LANG = "lang"
COMMUNITY = "community"
BASEMAP = "basemap"
CUSTOM_TILES = "custom_tiles"
IMPORT_PREVIEW = "import_preview"
MAP_KEY = "community_map"
HEATMAP = "map_heatmap"
HOUSEHOLD = "household"  # {"id", "slug", "building", "unit", "room"} after joining with a code
STAFF = "staff_identity"  # services.staff.StaffIdentity after signing in
HOUSEHOLD_COOKIE = "cocreate_household"  # keeps a household signed in on one phone
HOUSEHOLD_TOKEN = "household_token"  # the household's session token (services/sessions.py)
STAFF_COOKIE = "cocreate_staff"  # keeps a staff member signed in across reloads and tabs
STAFF_TOKEN = "staff_token"  # the staff member's session token
LANG_PARAM_SEEN = "_lang_param_seen"  # the ?lang= already applied (then the radio wins)
CLIENT_SESSION = "_client_session"  # a random id of this browser session, for rate limits
STAFF_UNLOCKED = "_staff_unlocked"  # the account just unlocked, for the confirmation line
STAFF_LEFT = "_staff_left"  # signed out: ignore the cookie until the next sign-in
STAFF_FORGET = "_staff_forget"  # signed out: clear the cookie on the next run
STAFF_COOKIE_PENDING = "_staff_cookie_pending"  # a new staff token to write into the cookie
HOUSEHOLD_LEFT = "_household_left"  # left: ignore the cookie until the next join
HOUSEHOLD_FORGET = "_household_forget"  # left: clear the cookie on the next run
HOUSEHOLD_COOKIE_PENDING = "_household_cookie_pending"  # a new token for the cookie
HOUSEHOLD_QR_TRIED = "_household_qr_tried"  # the ?code= of a scanned slip, tried once
MARKS_VIEW_JOINED = "_marks_view_joined"  # just joined: open the marking view once
MARKS_VIEW = "marks_view"  # the marks page's view: list | mark
IMPORT_LOOK = "import_look"  # (file key, what the file holds, an earlier import of it)
SLIPS_PDF = "slips_pdf"  # (PDF bytes, household labels) of the code slips just made
FUNDS_FILES = "funds_files"  # the funds notice files just made, for download
FUNDS_NOTICE = "funds_staff_notice"  # the funds staff page's last success line
WORKS_NOTICE = "works_notice"  # the works forms' last success line
LARGE_TEXT = "large_text"  # the large-text mode is on (ui/style.py)
EVALUATE_STAFF_SHEET = "evaluate_staff_sheet"  # (convention, building, PDF) of a signature sheet
EVALUATE_STAFF_FORM = "evaluate_staff_form"  # (work, PDF) of a paper rating form
# marks, evaluation, funds, works and import pages
EVALUATE_MSG = "evaluate_msg"  # (where, "ok" | "error", text): the last action's answer
EVALUATE_COMMENT = "evaluate_comment_"  # + work id: the comment typed under a work's stars
MARKS_SHAPE = "marks_shape"  # the marking form's shape: point | line | polygon
MARKS_CATEGORY = "marks_category"  # the category picked (+ "_<class>": that class's pills)
MARKS_TEXT = "marks_text"  # what the resident says is wrong
MARKS_SAFETY = "marks_safety"  # the safety tick
MARKS_SAFETY_FOR = "marks_safety_for"  # the category the tick's default was set for
MARKS_PHOTO = "marks_photo"  # the photo uploader
MARKS_PICK_MAP = "marks_pick_map"  # the marking map (+ "_<gen>" after a reset)
MARKS_PICK_GEN = "marks_pick_gen"  # bumped by a reset: a new key remounts the map, tap forgotten
MARKS_SIMILAR = "marks_similar"  # ids offered as duplicates of the pending mark
MARKS_TAPPED = "marks_tapped"  # id of the pin tapped on the marking map (offered like a duplicate)
MARKS_SEEN = "marks_seen_taps"  # (last tap on the ground, last tap on an object) of the last run
MARKS_KEPT = "marks_kept_pick"  # {"shape", "geometry"}: the place picked, kept off the map
MARKS_DONE = "marks_done"  # message after a submit
MARKS_RESET = "marks_reset"  # empty the marking form on the next run
MARKS_FIELD_ERROR = "marks_field_error"  # (field, message) of the last submit, at that field
MARKS_STAFF_NOTICE = "marks_staff_notice"  # the marks staff page's last action, confirmed once
EVALUATE_STAFF_NOTICE = "evaluate_staff_notice"  # the 共评 staff page's last action
FUNDS_NOTICE = "funds_notice"  # the funds page's last action, confirmed once
WORKS_MAP_TAPPED = "works_map_tapped"  # the last tap on the works map that was acted on


def lang() -> str:
    """Language from ?lang=, else the session's choice, else the configured default."""
    param = st.query_params.get("lang")
    if param in LANGS and st.session_state.get(LANG_PARAM_SEEN) != param:
        st.session_state[LANG] = param
        st.session_state[LANG_PARAM_SEEN] = param
    if st.session_state.get(LANG) not in LANGS:
        st.session_state[LANG] = config.get("default_lang")
    value: str = st.session_state[LANG]
    return value


def t(key: str, **kwargs: object) -> str:
    return translate(lang(), key, **kwargs)


# ballots, options, vote and results pages
NOTES = "_action_notes"  # what a committed action tells, shown on the next run (feedback.act)
VOTE_PENDING = "vote_pending"  # {"ballot_id", "title", "choice"} awaiting confirmation
VOTE_RECEIPT = "vote_receipt"  # {"ballot_id", "status", "choice", "at", "until"}
OPTIONS_PICK = "options_pick"  # the options compared (up to three)
OPTIONS_VIOLATION = "options_violation"  # the problem shown on the map
OPTIONS_BEFORE_AFTER = "options_before_after"  # the option of the before/after maps
OPTIONS_EDIT = "options_edit"  # the option the planner edits
OPTIONS_TOOL = "options_tool"  # the planner's tool: row | remove
OPTIONS_ROW_COUNT = "options_row_count"  # stalls in the row to add (0: as many as fit)
OPTIONS_ROW_SIDE = "options_row_side"  # side of the drawn line the row goes: left | right
OPTIONS_DRAW_MAP = "options_draw_map"  # the planner's drawing map
OPTIONS_CLICK_MAP = "options_click_map"  # the planner's map to pick an element to remove
OPTIONS_DONE_DRAWING = "options_done_drawing"  # the drawn line already turned into a row
OPTIONS_PDF = "options_pdf"  # ((slug, names, stamp), PDF bytes) of the comparison sheet
OPTIONS_PENDING = "options_pending"  # widget values to set on the next run, before the widgets

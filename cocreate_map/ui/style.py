"""The one place for the app's CSS: big touch targets and type for elderly hands and eyes
(WCAG 2.1 AA, 适老化), a large-text mode one tap away, Streamlit's own uploader words in the
reader's language, and the residents' page buttons at the top of every page."""

from __future__ import annotations

import json

import streamlit as st

from cocreate_map import config
from cocreate_map.ui import state
from cocreate_map.ui.state import t

LARGE_TEXT = state.LARGE_TEXT  # session key: the large-text mode is on

# (page file under the app's directory, title key, Material icon): what residents use
RESIDENT_PAGES = [
    ("cocreate_map/ui/pages/map.py", "nav.map", "map"),
    ("cocreate_map/ui/pages/marks.py", "nav.marks", "add_location_alt"),
    ("cocreate_map/ui/pages/options.py", "nav.options", "compare"),
    ("cocreate_map/ui/pages/vote.py", "nav.vote", "how_to_vote"),
    ("cocreate_map/ui/pages/results.py", "nav.results", "bar_chart"),
    ("cocreate_map/ui/pages/evaluate.py", "nav.evaluate", "reviews"),
]

TARGET_PX = 48  # ≥ 44 × 44 px (WCAG 2.5.5), with a margin

_CSS = """
html {font-size: %(root)dpx;}
.stApp, .stMarkdown, .stMarkdown p, .stCaption, [data-testid="stCaptionContainer"],
[data-testid="stWidgetLabel"] p, [data-testid="stWidgetLabel"] label,
[data-testid="stTooltipHoverTarget"], .stAlert p, [data-testid="stMarkdownContainer"] small {
  font-size: max(1rem, 16px) !important;
}
[data-testid="stCaptionContainer"] {color: #31333f;}
.stButton button, .stFormSubmitButton button, .stDownloadButton button, .stLinkButton a,
[data-testid="stPageLink"] a, [data-testid="stPopover"] button,
[data-testid="stBaseButton-pills"], [data-testid="stBaseButton-pillsActive"],
[data-testid="stBaseButton-segmented_control"],
[data-testid="stBaseButton-segmented_controlActive"],
[data-testid="stFileUploaderDropzone"] button, [data-testid="stExpander"] summary,
[data-testid="stNumberInput"] button {
  min-height: %(target)dpx !important; min-width: %(target)dpx !important;
}
.stButton button p, .stFormSubmitButton button p, [data-testid="stBaseButton-pills"] p,
[data-testid="stBaseButton-pillsActive"] p, [data-testid="stBaseButton-segmented_control"] p,
[data-testid="stBaseButton-segmented_controlActive"] p, [data-testid="stPageLink"] a p {
  font-size: max(1.1rem, 17px) !important;
}
.stTextArea textarea, .stTextInput input, .stSelectbox div[data-baseweb="select"] {
  font-size: max(1.1rem, 17px) !important; min-height: %(target)dpx;
}
[data-testid="stCheckbox"] label, [data-testid="stRadio"] label, .stToggle label {
  min-height: %(target)dpx; align-items: center;
}
[data-testid="stCheckbox"] label > span:first-child,
[data-testid="stRadio"] label > div:first-child {transform: scale(1.6); margin: 0 .8rem 0 .4rem;}
[data-testid="stFeedback"] button, [data-testid="stFeedback"] [role="radio"] {
  min-width: %(target)dpx !important; min-height: %(target)dpx !important;
}
[data-testid="stFeedback"] svg {width: 36px; height: 36px;}
[data-testid="stSidebarCollapsedControl"] button, [data-testid="stSidebarCollapseButton"] button,
[data-testid="stExpandSidebarButton"], [data-testid="stMainMenu"] button {
  min-width: %(target)dpx !important; min-height: %(target)dpx !important;
}
[data-testid="stFileUploaderDropzoneInstructions"] div > span,
[data-testid="stFileUploaderDropzoneInstructions"] div > small {display: none;}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: %(drop)s; font-size: max(1rem, 16px);
}
[data-testid="stFileUploaderDropzone"] button > * {display: none !important;}
[data-testid="stFileUploaderDropzone"] button::after {
  content: %(browse)s; font-size: max(1.1rem, 17px);
}
[data-testid="stButtonGroup"] button {
  min-height: %(target)dpx !important; min-width: %(target)dpx !important;
}
[data-testid="stButtonGroup"] button p, [data-testid="stButtonGroup"] button span,
[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, .stTable th, .stTable td,
[data-testid="stTable"] th, [data-testid="stTable"] td, [data-testid="stTable"] span,
[data-baseweb="tag"] span, [data-testid="stFileUploaderFileName"], .stApp table th,
.stApp table td, .stApp table span, [data-testid="stMetricDelta"] p,
[data-testid="stExpander"] summary p, [data-testid="stExpander"] summary span,
[data-testid="stFileUploaderFileData"] small,
[data-testid="stMarkdownContainer"] span:not([class*="cc-"]) {
  font-size: max(1rem, 16px) !important;
}
[data-baseweb="select"] > div, .react-aria-ComboBox [role="group"], .stMultiSelect [role="group"],
.stNumberInput input, .stDateInput input, .stTimeInput input {
  min-height: %(target)dpx !important; font-size: max(1.1rem, 17px) !important;
}
.stSelectbox button, .stMultiSelect button, [data-testid="stDateInputCalendarButton"],
[data-testid="stMultiSelectTagsContainer"] input[role="combobox"] {
  min-width: %(target)dpx !important; min-height: %(target)dpx !important;
}
[data-testid="stMultiSelectTagsContainer"] button svg {width: 20px; height: 20px;}
.stApp code {font-size: max(1rem, 16px) !important;}
[data-baseweb="tag"] {min-height: 44px;}
[data-baseweb="tag"] [role="presentation"], [data-baseweb="tag"] button,
[data-baseweb="tag"] svg {min-width: 44px; min-height: 44px;}
.stApp :is(p, span, label, li, small):not(:is(h1, h2, h3, h4) *):not([data-testid="stIconMaterial"]):not([class*="cc-"]) {
  font-size: max(1rem, 16px);
}
[data-testid="stTooltipIcon"] button, [data-testid="stTooltipHoverTarget"] button,
button:has(> [data-testid="stTooltipIcon"]), [data-testid="stWidgetLabel"] [aria-label] {
  min-width: %(target)dpx !important; min-height: %(target)dpx !important;
  display: inline-flex; align-items: center; justify-content: center;
}
[data-testid="stElementToolbar"] button, [data-testid="stElementToolbarButton"] button {
  min-width: %(target)dpx !important; min-height: %(target)dpx !important;
}
[data-testid="stVegaLiteChart"] text, .vega-embed text {font-size: 16px !important;}
.stApp :is(h1, h2, h3, h4) :is(p, span, div),
.stApp [data-testid="stMarkdownContainer"] :is(h1, h2, h3, h4) span:not([class*="cc-"]) {
  font-size: inherit !important;
}
.stApp h1 {font-size: 2.1rem !important;}
.stApp h2 {font-size: 1.7rem !important;}
.stApp h3 {font-size: 1.4rem !important;}
.stApp h4 {font-size: 1.2rem !important;}
.st-key-cc_nav [data-testid="stPageLink"] a {
  justify-content: center; border: 1px solid #c9ccd3; border-radius: .5rem; background: #fff;
}
.st-key-cc_nav [data-testid="stPageLink"] a[aria-current="page"] {
  background: #e8f0fe; border-color: #1a56b8;
}
"""


def large_text() -> bool:
    return bool(st.session_state.get(LARGE_TEXT, False))


def _toggle_large() -> None:
    st.session_state[LARGE_TEXT] = not large_text()


def apply() -> None:
    """The app's CSS for this run (in the reader's language and text size)."""
    css = _CSS % {
        "root": 20 if large_text() else 16,
        "target": TARGET_PX,
        "drop": json.dumps(t("upload.drop"), ensure_ascii=False),
        "browse": json.dumps(t("upload.browse"), ensure_ascii=False),
    }
    st.html(f"<style>{css}</style>")


def resident_nav() -> None:
    """Big buttons to the residents' pages and the large-text switch, at the top of the page
    (the sidebar's 28-px chevron is too small a way to change page)."""
    with st.container(key="cc_nav", horizontal=True, wrap=True, gap="small"):
        for page, title, icon in RESIDENT_PAGES:
            st.page_link(page, label=t(title), icon=f":material/{icon}:")
        st.button(
            t("style.normal_text") if large_text() else t("style.large_text"),
            icon=":material/text_increase:",
            key="cc_large_text",
            on_click=_toggle_large,
        )


def upload_limit_mb(kind: str = "file") -> int:
    """The limit an upload really has: photos ``COCREATE_MAX_PHOTO_MB``, files
    ``COCREATE_MAX_UPLOAD_MB``."""
    return int(config.get("max_photo_mb" if kind == "photo" else "max_upload_mb"))

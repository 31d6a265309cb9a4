"""The one escaping function for every user- or file-supplied string that reaches the map's HTML/JS.

folium does not escape: ``Tooltip`` writes text into a JavaScript template literal, ``Popup`` is raw
HTML, ``GeoJsonTooltip``/``GeoJsonPopup`` assign ``innerHTML``, and ``${…}`` runs even after
``html.escape``. So besides ``& < > " '`` we turn the characters that matter inside template
literals and Jinja/JS braces — backtick, ``$``, ``{``, ``}`` and backslash — into numeric
character references. The browser shows the original text; nothing in it is code.
"""

from __future__ import annotations

import html
import re

_EXTRA = str.maketrans(
    {
        "`": "&#96;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
        "\\": "&#92;",
    }
)


def escape_text(s: object) -> str:
    """Escape ``s`` for HTML and for JavaScript template literals; None becomes "".

    >>> escape_text("<b>${alert(1)}</b>")
    '&lt;b&gt;&#36;&#123;alert(1)&#125;&lt;/b&gt;'
    >>> escape_text("3号楼 `x`")
    '3号楼 &#96;x&#96;'
    """
    if s is None:
        return ""
    return html.escape(str(s), quote=True).translate(_EXTRA)


# Every character escape_text turns into a reference, plus markdown's structural marks.
_MARKDOWN: dict[int, str] = {
    **{ord(ch): f"&#{ord(ch)};" for ch in "*_[]()#!|~+-=:.^"},
    **{ord(ch): html.escape(ch, quote=True) for ch in "&<>\"'"},
    **{k: str(v) for k, v in _EXTRA.items()},
}


def escape_markdown(s: object) -> str:
    """What ``escape_text`` does, for ``st.markdown``: markdown's own marks (emphasis, links,
    images, headings, lists, tables, autolinks) become character references too, so a resident's
    text shows as written and never turns into a link or an image. Newlines stay line breaks.

    Streamlit's markdown also links bare addresses *after* decoding character references (GFM
    autolink literals: ``http://…``, ``www.…``, ``a@b.c``), so an invisible word joiner (U+2060)
    goes after the scheme's colon, after ``www`` and before ``@``: the text reads the same and no
    ``<a>`` is made (issue 11.13, checked in Chromium).

    >>> escape_markdown("![x](http://e/t.png) **hi** ${1}")
    '&#33;&#91;x&#93;&#40;http&#58;&#8288;//e/t&#46;png&#41; &#42;&#42;hi&#42;&#42; &#36;&#123;1&#125;'
    >>> escape_markdown("www.a.cn x@y.cn")
    'www&#8288;&#46;a&#46;cn x&#8288;&#64;y&#46;cn'
    """
    if s is None:
        return ""
    text = str(s).translate(_MARKDOWN)
    text = _WWW.sub(r"\1&#8288;", text.replace("&#58;//", "&#58;&#8288;//"))
    return "  \n".join(text.replace("@", "&#8288;&#64;").splitlines())


_WWW = re.compile(r"(www)(?=&#46;)", re.IGNORECASE)

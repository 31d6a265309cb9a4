"""The one escaping function for every user- or file-supplied string that reaches the map's HTML/JS.

folium does not escape: ``Tooltip`` writes text into a JavaScript template literal, ``Popup`` is raw
HTML, ``GeoJsonTooltip``/``GeoJsonPopup`` assign ``innerHTML``, and ``${…}`` runs even after
``html.escape``. So besides ``& < > " '`` we turn the characters that matter inside template
literals and Jinja/JS braces — backtick, ``$``, ``{``, ``}`` and backslash — into numeric
character references. The browser shows the original text; nothing in it is code.
"""

from __future__ import annotations

import html

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

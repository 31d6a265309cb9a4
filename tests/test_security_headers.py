"""Issue 11.16: pages cannot be framed by other sites. Streamlit sets no such header, so the
reverse proxy does: the README gives the lines and the district nginx configuration has them."""

from __future__ import annotations

from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
LINES = (
    "add_header X-Frame-Options SAMEORIGIN always;",
    """add_header Content-Security-Policy "frame-ancestors 'self'" always;""",
)


def test_readme_documents_the_headers():
    assert "### Security headers" in README
    for line in LINES:
        assert line in README


def test_the_district_nginx_config_sends_them():
    import cocreate_map.deploy as deploy

    text = Path(deploy.__file__).read_text()
    for line in LINES:
        assert line in text

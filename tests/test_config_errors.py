"""Settings and map-asset errors in the reader's language (issue 10.9): a bad COCREATE_* value
names the variable, what it must be and what the setting does, in Chinese too."""

import re

import pytest

from cocreate_map import config
from cocreate_map.errors import InvalidInput
from cocreate_map.i18n import catalog
from cocreate_map.io.assets import NPM_MISSING, AssetError

HAN = re.compile(r"[\u4e00-\u9fff]")
# product and file-format names, localhost and the bootstrap user name, which a Chinese help keeps
NAMES = {
    "SQLAlchemy",
    "SQLite",
    "PostgreSQL",
    "PostGIS",
    "nginx",
    "admin",
    "zip",
    "JPEG",
    "PNG",
    "WebP",
    "localhost",
}


def _words(text: str) -> list[str]:
    """ASCII words of 3+ letters outside variable names, options, paths, URLs and commands."""
    text = re.sub(r"COCREATE_[A-Z_]+", "", text)
    text = re.sub(r"--[\w-]+", "", text)  # command-line options
    text = re.sub(r"[\w+.-]*[/@:=][\w+./@:=-]*", "", text)  # paths, URLs, user@host
    return re.findall(r"[A-Za-z]{3,}", text)


@pytest.mark.parametrize(
    ("name", "raw", "expects"),
    [
        ("max_upload_mb", "fifty", "正整数"),
        ("max_photo_mb", "-3", "正整数"),
        ("default_lang", "fr", "zh"),
    ],
)
def test_a_bad_setting_says_what_to_do_in_chinese_and_english(monkeypatch, name, raw, expects):
    setting = config.SETTINGS[name]
    monkeypatch.setenv(setting.env, raw)
    with pytest.raises(InvalidInput) as caught:
        config.get(name)
    zh, en = caught.value.render("zh"), caught.value.render("en")
    assert setting.env in zh and repr(raw) in zh and expects in zh and HAN.search(zh)
    assert setting.help in en and caught.value.message == en
    assert "must be" in en


def test_every_setting_has_a_chinese_help():
    for name, setting in config.SETTINGS.items():
        zh = catalog("zh").get(f"config.help.{name}")
        assert zh and HAN.search(zh), name
        assert catalog("en")[f"config.help.{name}"] == setting.help, name
        assert not set(_words(zh)) - NAMES, (name, zh)


def test_asset_errors_are_keyed():
    err = AssetError(key="assets.npm_missing")
    assert err.message == NPM_MISSING
    assert HAN.search(err.render("zh")) and "apt-get install npm" in err.render("zh")
    bad = AssetError(key="assets.integrity", package="leaflet@1.9.4", got="sha512-a", pinned="b")
    assert "leaflet@1.9.4" in bad.render("zh") and "校验值" in bad.render("zh")

"""The JS/CSS/font/image files the map needs, served from our own server.

folium and streamlit-folium load Leaflet, jQuery, Bootstrap, Font Awesome and the Leaflet plugins
from public CDNs; offline, or where those CDNs are blocked, the map iframe stays blank. At install
time ``python -m cocreate_map.io.assets`` fetches each package pinned in ``assets_manifest.json``
with ``npm pack NAME@VERSION`` (npm's configured registry), checks the tarball against the pinned
sha512 integrity, and unpacks only the listed files into ``static/vendor/<key>@<version>/`` (git
ignored). Streamlit serves that folder at ``/app/static/vendor/`` (``enableStaticServing``).

``local_url(remote)`` maps every URL folium loads to its local copy (None: deliberately dropped,
see the manifest's ``drop`` list); ``missing()`` lists what is not installed yet.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cocreate_map import config
from cocreate_map.errors import CocreateError

MANIFEST = Path(__file__).resolve().with_name("assets_manifest.json")
URL_PREFIX = "/app/static/vendor"
_DONE = ".integrity"  # written last into a package folder: its presence means "complete"
NPM_MISSING = (
    "npm is needed to fetch the map assets: apt-get install npm"  # error.assets.npm_missing
)


class AssetError(CocreateError):
    """Fetching or checking a map asset failed (keys ``error.assets.*``)."""


@dataclass(frozen=True)
class Package:
    key: str
    npm: str
    version: str
    integrity: str
    files: tuple[str, ...]  # paths inside the package, fnmatch patterns allowed

    @property
    def folder(self) -> str:
        return f"{self.key}@{self.version}"


@cache
def _manifest() -> dict[str, object]:
    data: dict[str, object] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


@cache
def packages() -> dict[str, Package]:
    raw = _manifest()["packages"]
    assert isinstance(raw, dict)
    return {
        key: Package(key, p["npm"], p["version"], p["integrity"], tuple(p["files"]))
        for key, p in raw.items()
    }


def vendor_dir() -> Path:
    return config.static_dir() / "vendor"


def url(package_key: str, relpath: str) -> str:
    """The URL the browser loads ``relpath`` of a vendored package from."""
    pkg = packages()[package_key]
    return f"{URL_PREFIX}/{pkg.folder}/{relpath.lstrip('/')}"


def local_url(remote: str) -> str | None:
    """The local URL replacing a remote asset URL; None when the asset is deliberately dropped.

    Local URLs pass through unchanged. An unknown remote URL raises ``KeyError`` naming it, so a
    new folium element with a new CDN file fails the tests instead of blanking the map offline.
    """
    if remote.startswith(URL_PREFIX + "/"):
        return remote
    manifest = _manifest()
    for rule in manifest["replace"]:  # type: ignore[attr-defined]
        if remote.endswith(rule["match"]):
            return url(rule["package"], rule["path"])
    for rule in manifest["drop"]:  # type: ignore[attr-defined]
        if remote.endswith(rule["match"]):
            return None
    raise KeyError(
        f"no local copy of map asset {remote}; add its package to "
        "cocreate_map/io/assets_manifest.json and run python -m cocreate_map.io.assets"
    )


def _complete(pkg: Package, base: Path) -> bool:
    marker = base / pkg.folder / _DONE
    return marker.is_file() and marker.read_text(encoding="utf-8").strip() == pkg.integrity


def missing(base: Path | None = None) -> list[str]:
    """Vendored packages not (completely) installed, as ``key@version`` folder names."""
    base = base or vendor_dir()
    return [pkg.folder for pkg in packages().values() if not _complete(pkg, base)]


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _npm_pack(pkg: Package, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(key="assets.npm_missing")
    spec = f"{pkg.npm}@{pkg.version}"
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--silent", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    tarballs = sorted(workdir.glob("*.tgz"))
    if proc.returncode != 0 or len(tarballs) != 1:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise AssetError(key="assets.npm_pack_failed", spec=spec, detail=detail[0])
    return tarballs[0]


def _extract(pkg: Package, tarball: Path, target: Path) -> int:
    """Unpack the package's listed files into ``target``; return how many were written."""
    written = 0
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if ".." in Path(name).parts or name.startswith("/"):
                continue
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in pkg.files):
                continue
            source = tar.extractfile(member)
            if source is None:
                continue
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(source.read())
            written += 1
    for pattern in pkg.files:
        if not any(target.glob(pattern)):
            raise AssetError(
                key="assets.no_file", package=f"{pkg.npm}@{pkg.version}", pattern=pattern
            )
    return written


def fetch(pkg: Package, base: Path) -> int:
    """Download, verify and unpack one package; return the number of files written."""
    with tempfile.TemporaryDirectory(prefix="cocreate-assets-") as tmp:
        tmpdir = Path(tmp)
        tarball = _npm_pack(pkg, tmpdir)
        got = _integrity(tarball.read_bytes())
        if got != pkg.integrity:
            raise AssetError(
                key="assets.integrity",
                package=f"{pkg.npm}@{pkg.version}",
                got=got[:23],
                pinned=pkg.integrity[:23],
            )
        staging = tmpdir / "staging"
        staging.mkdir()
        count = _extract(pkg, tarball, staging)
        (staging / _DONE).write_text(pkg.integrity + "\n", encoding="utf-8")
        target = base / pkg.folder
        base.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    return count


def install(base: Path | None = None) -> list[str]:
    """Fetch every package not yet installed; return ``key@version`` of those fetched."""
    base = base or vendor_dir()
    fetched = []
    for pkg in packages().values():
        if _complete(pkg, base):
            continue
        count = fetch(pkg, base)
        fetched.append(f"{pkg.folder} ({pkg.npm}, {count} files)")
    return fetched


def main(argv: list[str] | None = None) -> int:
    del argv
    try:
        fetched = install()
    except AssetError as exc:
        print(exc.message, file=sys.stderr)  # the CLI speaks English, as cli.py
        return 2
    for line in fetched:
        print(f"fetched {line}")
    print(
        f"map assets complete: {len(packages())} packages in {vendor_dir()}"
        + ("" if fetched else " (nothing to fetch)")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

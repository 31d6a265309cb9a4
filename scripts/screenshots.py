"""Screenshots of every page at phone (390×844) and projector (1920×1080) size, zh and en.

Starts the app on a free port with a fresh SQLite database (the demo loads on first start), drives
Debian Chromium with Playwright and writes PNGs to test-artifacts/screens/. Look at them.

    .venv/bin/python scripts/screenshots.py [PAGE ...]     # pages: the keys of PAGES below
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "screens"
SIZES = {"phone": (390, 844), "projector": (1920, 1080)}
PAGES = {
    "map": "/",
    "marks": "/marks",
    "marks-mark": "/marks?code=Z83-9SE-4T4B",
    "marks-detail": "/marks?mark=1",
    "marks-admin": "/marks-admin",
    "options": "/options",
    "vote": "/vote",
    "results": "/results",
    "meeting": "/meeting",
    "projector": "/meeting?view=projector&panel=options",
    "projector-map": "/meeting?view=projector&panel=map",
    "ballots": "/ballots",
    "import": "/import",
    "communities": "/communities",
    "district": "/district",
    "works": "/works",
    "works-detail": "/works?work=1",
    "works-missing": "/works?work=999",  # a link from another community, or out of date
    "works-admin": "/works-admin",
    "projector-works": "/meeting?view=projector&panel=works",
    "works-story": "/works?work=1&view=story",
    "works-story-rated": "/works?work=3&view=story",
    "projector-story": "/meeting?view=projector&panel=story&work=3",
    "funds": "/funds",
    "evaluate": "/evaluate",
    "projector-convention": "/meeting?view=projector&panel=convention",
    "funds-admin": "/funds-admin",
    "funds-admin-district": "/funds-admin",  # signed in as the sub-district's read-only account
    "ballots-district": "/ballots",  # the same account
    "funds-admin-staff": "/funds-admin",  # signed in as the demo's administrator
    "ballots-staff": "/ballots",
    "marks-admin-staff": "/marks-admin",
    "staff": "/staff",
    "root-projector": "/?view=projector&panel=map",
}
#: pages shown signed in: (username, password) of an account made before the app starts
DISTRICT_ACCOUNT = ("jiedao", "screenshots-district-pw")
ADMIN_ACCOUNT = ("guanli", "screenshots-admin-pw")
SIGNED_IN = {
    "funds-admin-district": DISTRICT_ACCOUNT,
    "ballots-district": DISTRICT_ACCOUNT,
    "funds-admin-staff": ADMIN_ACCOUNT,
    "ballots-staff": ADMIN_ACCOUNT,
    "marks-admin-staff": ADMIN_ACCOUNT,
}


def _accounts(url: str) -> None:
    """The demo, in 银行街道, and the accounts of SIGNED_IN (district_admin of 银行街道; an
    administrator)."""
    sys.path.insert(0, str(ROOT))
    from cocreate_map import services
    from cocreate_map.services import district, staff
    from cocreate_map.services.access import local_admin
    from cocreate_map.storage.db import migrated_engine, transaction

    engine = migrated_engine(url)
    services.ensure_demo(engine)
    with transaction(engine) as session:
        district.set_district(session, services.DEMO_SLUG, "银行街道", local_admin("shots"))
        user, password = DISTRICT_ACCOUNT
        staff.add_user(session, user, password, "district_admin", district="银行街道")
        user, password = ADMIN_ACCOUNT
        staff.add_user(session, user, password, "admin")
    engine.dispose()


def _sign_in(page, user: str, password: str) -> None:  # noqa: ANN001 - a Playwright page
    page.locator("input[type='text']").first.fill(user)
    field = page.locator("input[type='password']").first
    field.fill(password)
    field.press("Enter")  # submits the sign-in form
    page.wait_for_timeout(3000)


def main(argv: list[str]) -> int:
    pages = argv or list(PAGES)
    OUT.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp(prefix="cocreate-shots-"))
    env = dict(os.environ, COCREATE_DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}")
    if any(p in SIGNED_IN for p in pages):
        _accounts(env["COCREATE_DATABASE_URL"])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            for page_name in pages:
                for lang in ("zh", "en"):
                    for size_name, (w, h) in SIZES.items():
                        page = browser.new_page(viewport={"width": w, "height": h})
                        sep = "&" if "?" in PAGES[page_name] else "?"
                        page.goto(f"{base}{PAGES[page_name]}{sep}lang={lang}")
                        page.wait_for_selector("[data-testid='stApp']")
                        page.wait_for_timeout(6000)
                        if page_name in SIGNED_IN:
                            _sign_in(page, *SIGNED_IN[page_name])
                        path = OUT / f"{page_name}-{lang}-{size_name}.png"
                        page.screenshot(path=str(path))
                        print(path.relative_to(ROOT))
                        page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

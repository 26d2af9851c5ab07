"""Regenerate docs/screenshot.png: the county staff's dashboard on the demo county, in Debian's headless Chromium.

    .venv/bin/python bench/screenshot.py                 # fresh demo database in var/screenshot/, then the shot
    .venv/bin/python bench/screenshot.py --reuse         # keep an existing var/screenshot/ database
    .venv/bin/python bench/screenshot.py --user chengguan --out /tmp/town.png

Needs ``apt-get install -y chromium fonts-noto-cjk`` (MACHINE.md). Builds its own SQLite database (migrate +
load_demo, about two minutes), starts the portal on a free local port, logs in through the login form and takes a
full-page screenshot once every chart is drawn.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Zyparty@2026"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"the portal did not answer at {url}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", default=str(ROOT / "var" / "screenshot"), help="database folder (ZYPARTY_VAR_DIR)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    parser.add_argument("--user", default="xianzzb", help="demo login to photograph (default: county staff)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--width", type=int, default=1440)
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        raise SystemExit("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")

    var = Path(args.var)
    if var.exists() and not args.reuse:
        shutil.rmtree(var)
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ZYPARTY_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "zyparty.settings",
           "ZYPARTY_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo", "--if-empty")

    port = _free_port()
    server = subprocess.Popen([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/accounts/login/")
        _photograph(base, args.user, args.out, args.width)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"wrote {args.out}")


def _photograph(base, username, out, width):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1, locale="zh-CN")
        page.set_default_timeout(120_000)  # the first request computes the county's snapshot
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".chart .main-svg")
        page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(c => c.dataset.drawn)")
        page.wait_for_timeout(500)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()

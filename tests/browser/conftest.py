"""Debian's headless Chromium driven by Playwright for Python (MACHINE.md: ``apt-get install -y chromium
chromium-driver fonts-noto-cjk``; Playwright's own browser download does not work here, so the system binary is
passed as ``executable_path``). One browser per module, one context (cookies) per test; screenshots go to
``test-artifacts/`` (git-ignored)."""

import os
from pathlib import Path

import pytest
from django.core.cache import caches

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "Zyparty@2026"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser steps
    # are plain synchronous code, which Django would otherwise refuse next to a running loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context; console errors and page errors are collected on ``page.problems``."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


@pytest.fixture(autouse=True)
def fresh_aggregates():
    # The dashboard's cache table is not a model table: a transactional test's flush does not empty it.
    caches["aggregates"].clear()
    yield
    caches["aggregates"].clear()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path

    return take


def log_in(page, live_server, username, next_path=""):
    """Through the real login form, as a person would (landing on the dashboard unless ``next_path``)."""
    page.goto(f"{live_server.url}/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")

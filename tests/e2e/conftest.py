"""Playwright driving Debian's Chromium (never `playwright install`). Tests wait on
conditions, never on fixed sleeps, and act on a page once its scripts have run
(`pages.wait_ready`); the time allowed for a condition is generous, so that a machine whose
cores are all busy passes too, while a condition that never comes still fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
# How long an action, a navigation or an `expect` may wait for its condition.
TIMEOUT_MS = 30_000
# The Playwright sync API runs an event loop in this thread; the tests still use the ORM
# for set-up and checks, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, tmp_path):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, tmp_path, request):
    """Save a numbered screenshot of the current page in the test's output directory."""
    out = Path(os.environ.get("DRIVE_TEST_OUTPUT", tmp_path)) / request.node.name
    out.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(step: str) -> Path:
        counter["n"] += 1
        path = out / f"{counter['n']:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    yield take

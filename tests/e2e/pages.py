"""Waiting for a page the way a person does: act once it has finished loading."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# The names of the page's module scripts (`js/upload.js` is "upload"), and the names its
# modules have marked ready on `<html data-ready>` (static/js/ready.js).
MODULES = """() => [...document.querySelectorAll("script[type=module][src]")]
    .map((script) => new URL(script.src).pathname.split("/").pop().split(".")[0])"""
READY = """() => (document.documentElement.dataset.ready || "").split(" ").filter(Boolean)"""
ALL_READY = f"""() => document.readyState === "complete" && ({MODULES})().every((name) => ({READY})().includes(name))"""


def wait_ready(page: Page) -> None:
    """Wait until every module script of the page has wired it up. Call it after a
    navigation, once something of the new page is visible (before that, the old page may
    still answer)."""
    try:
        page.wait_for_function(ALL_READY)
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"{page.url}: modules {page.evaluate(MODULES)} never all ready, ready: {page.evaluate(READY)}"
        ) from None

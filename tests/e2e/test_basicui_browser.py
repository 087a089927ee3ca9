"""The BasicUI handshake in Chromium (PDS document 000): a site with its own users, served from
another origin, opens Drive's /accesstoken?origin=<its origin> with window.open, waits for
"ready", and posts back a token its server minted with its JWT app; Drive signs the popup in
as that user. Hostile origins, other frames and other domains' tokens get nowhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Credential
from accounts.services.basicui import BASICUI_AUTH_MODE
from tests.accounts.test_basicui import mint_token, other_domain_token
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks

# The site's page. `?claim=<origin>` opens Drive claiming another origin than its own (what a
# hostile site would try); `?auto=0` leaves posting the token to the test.
SITE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The site</title></head>
<body>
<h1>The site</h1>
<button type="button" id="open">Open Drive</button>
<iframe src="/frame" title="A frame of the site"></iframe>
<script>
const drive = __DRIVE__;
const params = new URLSearchParams(location.search);
window.received = [];
window.popup = null;
window.siteToken = async () => (await fetch("/token")).json();
window.postToken = async (targetOrigin) => {
  const token = await window.siteToken();
  const message = {type: "token", access_token: token.access_token, expires_in: token.expires_in};
  window.popup.postMessage(message, targetOrigin);
};
window.addEventListener("message", (event) => {
  window.received.push({origin: event.origin, type: event.data && event.data.type});
  if (event.origin !== drive || event.source !== window.popup) return;
  if (event.data && event.data.type === "ready" && params.get("auto") !== "0") window.postToken(drive);
});
document.getElementById("open").addEventListener("click", () => {
  const claim = params.get("claim") || location.origin;
  window.popup = window.open(drive + "/accesstoken?origin=" + encodeURIComponent(claim), "drive");
});
</script>
</body></html>
"""
# A frame of the site (its origin too): a message from it is not from the popup's opener.
FRAME_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Frame</title></head><body>
<script>
window.postFromFrame = async (drive) => {
  const token = await parent.siteToken();
  parent.popup.postMessage({type: "token", access_token: token.access_token}, drive);
};
</script></body></html>
"""


@contextmanager
def site_server(drive_origin: str, mint: Callable[[], dict]) -> Iterator[str]:
    """A site on its own origin (127.0.0.1 and a port of its own): its page, and `/token`, where
    its server mints a user's PDS token."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/":
                body, kind = SITE_PAGE.replace("__DRIVE__", json.dumps(drive_origin)), "text/html"
            elif path == "/frame":
                body, kind = FRAME_PAGE, "text/html"
            elif path == "/token":
                body, kind = json.dumps(mint()), "application/json"
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def alice_token(drive_url, alice, jwt_app, rsa_keys) -> Callable[[], dict]:
    return lambda: mint_token(drive_url, rsa_keys[0], jwt_app, "alice")


@pytest.fixture
def site(drive_url, alice_token, settings) -> Iterator[str]:
    """The site, in Drive's allow list."""
    with site_server(origin_of(drive_url), alice_token) as url:
        settings.DRIVE_BASICUI_ORIGINS = [url]
        yield url


@pytest.fixture
def hostile(drive_url, alice_token) -> Iterator[str]:
    """Another site, not in the list, that got hold of a valid token of alice's."""
    with site_server(origin_of(drive_url), alice_token) as url:
        yield url


def open_drive(page: Page, site_url: str) -> Page:
    page.goto(site_url)
    wait_ready(page)
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Open Drive").click()
    popup = popup_info.value
    popup.set_default_timeout(TIMEOUT_MS)
    return popup


def shoot(popup: Page, screenshot, step: str) -> None:
    """Save the popup's screenshot beside the site page's (the `screenshot` fixture's)."""
    site_shot = screenshot(step)
    popup.screenshot(path=str(site_shot.with_name(f"{site_shot.stem}-popup.png")), full_page=True)


def received_types(page: Page, origin: str) -> list[str]:
    return page.evaluate("(origin) => window.received.filter((m) => m.origin === origin).map((m) => m.type)", origin)


def ignored(popup: Page, origin: str, why: str):
    """Wait for the popup to say on its console that it ignored a message from `origin`."""
    return popup.expect_console_message(lambda message: f"ignored a message from {origin}: {why}" in message.text)


def assert_signed_out(page: Page, drive_url: str) -> None:
    assert not Credential.objects.exists()
    page.goto(f"{drive_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # the PDS's sign-in page


@pytest.mark.slow
def test_a_site_hands_drive_a_token_and_the_popup_lands_on_the_drive_as_that_user(drive_url, site, page, screenshot):
    popup = open_drive(page, site)
    expect(popup.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(popup)
    assert popup.url == f"{drive_url}/"
    expect(popup.get_by_role("button", name="Sign out")).to_be_visible()
    expect(popup.locator(".who-name")).to_have_text("Alice")
    shoot(popup, screenshot, "signed-in")

    assert received_types(page, origin_of(drive_url)) == ["ready"]
    credential = Credential.objects.get()
    assert credential.auth_mode == BASICUI_AUTH_MODE and credential.user.pds_identity.pds_user_id == "alice"


@pytest.mark.slow
def test_a_page_opened_without_a_site_says_how_to_get_in(drive_url, site, page, screenshot):
    page.goto(f"{drive_url}/accesstoken?origin={site}")
    expect(page.get_by_text(f"Open Drive from {site}")).to_be_visible()
    wait_ready(page)
    screenshot("no-opener")


@pytest.mark.slow
def test_a_hostile_origin_not_in_the_list_gets_a_refusal_and_no_ready(drive_url, site, hostile, page, screenshot):
    popup = open_drive(page, hostile)
    expect(popup.get_by_role("alert")).to_have_text("The site that opened this page may not sign you in to Drive.")
    wait_ready(popup)
    shoot(popup, screenshot, "origin-refused")
    assert received_types(page, origin_of(drive_url)) == []
    assert_signed_out(popup, drive_url)


@pytest.mark.slow
def test_a_hostile_site_claiming_an_allowed_origin_gets_no_ready_and_its_token_is_ignored(
    drive_url, site, hostile, page
):
    # Drive's page is for `site`; the browser drops the "ready" aimed at `site`'s origin.
    popup = open_drive(page, f"{hostile}/?auto=0&claim={site}")
    wait_ready(popup)
    expect(popup.get_by_role("status")).to_contain_text(f"Waiting for {site}")
    with ignored(popup, hostile, "not the origin this page was opened for"):
        page.evaluate("() => window.postToken('*')")
    assert received_types(page, origin_of(drive_url)) == []
    expect(popup.get_by_role("alert")).to_be_hidden()
    assert popup.url.startswith(f"{drive_url}/accesstoken?")
    assert_signed_out(popup, drive_url)


@pytest.mark.slow
def test_a_token_from_a_frame_other_than_the_opener_is_ignored(drive_url, site, page):
    popup = open_drive(page, f"{site}/?auto=0")
    wait_ready(popup)
    page.wait_for_function(
        "(drive) => window.received.some((m) => m.origin === drive && m.type === 'ready')", arg=origin_of(drive_url)
    )
    frame = page.frame(url=f"{site}/frame")
    with ignored(popup, site, "not from the window that opened this page"):
        frame.evaluate("(drive) => window.postFromFrame(drive)", origin_of(drive_url))
    assert not Credential.objects.exists() and popup.url.startswith(f"{drive_url}/accesstoken?")

    # The same token from the opener itself is taken.
    page.evaluate("(drive) => window.postToken(drive)", origin_of(drive_url))
    expect(popup.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(popup)


@pytest.mark.slow
def test_a_token_of_another_domain_is_refused_on_the_page(drive_url, rsa_keys, page, settings, screenshot):
    token = other_domain_token(drive_url, rsa_keys)
    with site_server(origin_of(drive_url), lambda: {"access_token": token, "expires_in": 7200}) as url:
        settings.DRIVE_BASICUI_ORIGINS = [url]
        popup = open_drive(page, url)
        expect(popup.get_by_role("alert")).to_have_text("The drive service did not accept the token the site sent.")
        expect(popup.get_by_role("status")).to_have_text(f"Waiting for {url} to sign you in…")
        wait_ready(popup)
        shoot(popup, screenshot, "other-domain")
        assert_signed_out(popup, drive_url)


@pytest.mark.slow
def test_the_pages_pass_axe_and_fit_a_phone_in_light_and_dark(drive_url, site, page, screenshot):
    page.context.add_init_script(path=str(AXE))
    found: list[str] = []
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    for name, url, heading in [
        ("waiting", f"{drive_url}/accesstoken?origin={site}", "Signing you in to Drive"),
        ("refused", f"{drive_url}/accesstoken?origin=https://evil.example", "Sign-in not possible"),
    ]:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(url)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        wait_ready(page)
        audit_looks(page, screenshot, f"basicui-{name}", found)  # ends at phone width
        assert page.evaluate(fits), f"{name}: wider than a phone"
    assert found == []

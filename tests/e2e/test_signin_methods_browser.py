"""A person whose domain offers a password and phone codes signs in to Drive in a real
browser with a code sent to their phone (the file sender), switching methods by the page's
links; axe-core audits the page (light, dark, desktop and phone width) at each step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pds_server.models import PhoneSignin
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks


@pytest.mark.slow
def test_sign_in_with_a_code_sent_to_the_phone(drive_url, domain, make_user, page, screenshot, tmp_path):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    found: list[str] = []
    codes = tmp_path / "codes.txt"
    PhoneSignin.objects.create(domain=domain, enabled=True, sender=PhoneSignin.Sender.FILE, file_path=str(codes))
    make_user("pat", password="pat-password-1", phone="+8613800138000", nick_name="Pat")

    page.goto(f"{drive_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_ready(page)
    methods = page.get_by_role("navigation", name="Ways to sign in")
    expect(methods.get_by_role("link", name="Password")).to_have_attribute("aria-current", "page")
    audit_looks(page, screenshot, "methods", found)
    page.set_viewport_size({"width": 1280, "height": 800})

    methods.get_by_role("link", name="Phone code").click()
    expect(page.get_by_label("Mobile number")).to_be_visible()
    wait_ready(page)
    page.get_by_label("Mobile number").fill("+86 138 0013 8000")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("status")).to_contain_text("a 6-digit code was sent")
    wait_ready(page)
    audit_looks(page, screenshot, "code", found)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})

    code = codes.read_text().splitlines()[-1].split("\t")[-1]
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(page)
    assert found == [], "\n".join(found)

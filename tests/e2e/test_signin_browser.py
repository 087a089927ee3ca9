"""A person signs in to Drive in a real browser through the embedded PDS's sign-in and
consent pages, and lands on their drive."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import wait_ready


@pytest.mark.slow
def test_sign_in_through_the_pds_pages_lands_on_the_drive(drive_url, alice, page, screenshot):
    page.goto(f"{drive_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_ready(page)
    assert "/v2/oauth/authorize" in page.url
    screenshot("pds-sign-in")

    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
    screenshot("consent")

    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    assert page.url == f"{drive_url}/"
    screenshot("drive")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    screenshot("signed-out")


@pytest.mark.slow
def test_wrong_password_is_said_clearly(drive_url, alice, page, screenshot):
    page.goto(f"{drive_url}/")
    wait_ready(page)
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The user name or password is wrong.")
    screenshot("wrong-password")

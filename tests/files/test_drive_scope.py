"""The /d/<drive_id>/ prefix (files.drive_scope): the drive app acts on another drive, and
every URL a page of it makes stays in that drive."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import get_script_prefix, reverse

from files.drive_scope import DriveScopeMiddleware, outside_drive, scoped_path


def run(path: str, view=None):
    """The middleware on a GET of `path`; the inner handler records what a view would see."""
    seen: dict = {}

    def inner(request):
        seen.update(
            path_info=request.path_info,
            path=request.path,
            drive_id=request.drive_id,
            folder=reverse("files:folder", args=["abc"]),
            outside=outside_drive(request, reverse("files:shares")),
        )
        return view(request) if view else HttpResponse("ok")

    request = RequestFactory().get(path)
    return DriveScopeMiddleware(inner)(request), seen


def test_inside_a_drive_urls_keep_the_prefix_and_the_view_sees_the_path_without_it():
    response, seen = run("/d/42/folders/xyz/")
    assert response.status_code == 200
    assert seen["drive_id"] == "42" and seen["path_info"] == "/folders/xyz/" and seen["path"] == "/d/42/folders/xyz/"
    assert seen["folder"] == "/d/42/folders/abc/"
    assert seen["outside"] == "/shares/"  # the main navigation leaves the drive
    assert get_script_prefix() == "/"  # and the prefix is the site's again after the request


def test_outside_a_drive_nothing_changes():
    response, seen = run("/folders/xyz/")
    assert response.status_code == 200
    assert seen["drive_id"] is None and seen["path_info"] == "/folders/xyz/"
    assert seen["folder"] == "/folders/abc/" and seen["outside"] == "/shares/"


def test_the_top_of_a_drive():
    _, seen = run("/d/7/")
    assert seen["path_info"] == "/" and seen["drive_id"] == "7" and seen["folder"] == "/d/7/folders/abc/"


@pytest.mark.parametrize(
    "path",
    ["/d/abc/", "/d/-1/", "/d/1.5/folders/x/", "/d//", "/d/12", "/d/12/accounts/login/", "/d/12/admin/", "/d/3/d/4/"],
)
def test_a_path_that_names_no_drive_is_not_found(path, db):
    response, seen = run(path)
    assert response.status_code == 404 and not seen
    assert b"Not found" in response.content
    assert get_script_prefix() == "/"


def test_the_prefix_is_put_back_even_when_the_view_fails():
    def broken(request):
        assert get_script_prefix() == "/d/9/"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run("/d/9/folders/x/", broken)
    assert get_script_prefix() == "/"
    assert reverse("files:home") == "/"


def test_scoped_path():
    assert scoped_path("/d/5/files/x/download") == ("5", "/files/x/download")
    assert scoped_path("/dx/5/") is None and scoped_path("/") is None
    assert scoped_path("/d/5x/") == ("", "")


def test_over_http_a_drive_the_user_cannot_reach_is_the_not_found_page(browser):
    # Signed in; drive 999999 does not exist (the PDS answers NotFound, as for a drive of someone else).
    page = browser.get("/d/999999/")
    assert page.status_code == 404 and "This item does not exist, or you cannot see it." in page.text
    assert browser.get("/d/x1/").status_code == 404
    # The user's own drive under the prefix is their drive, and its links stay in it.
    own = browser.get(f"/d/{browser.drive_id}/")
    assert own.status_code == 200 and f'data-base="/d/{browser.drive_id}/"' in own.text
    assert f'action="/d/{browser.drive_id}/selection"' in own.text
    assert 'action="/accounts/logout/"' in own.text and 'href="/shares/"' in own.text

"""Bytes from a drive never run on Drive's origin: only types that are safe to show inside
a page keep their type; everything else is served as application/octet-stream, so that a
`<script src>` or `<link rel=stylesheet>` pointing at a download cannot run it."""

from __future__ import annotations

import pytest

ACTIVE = [
    ("payload.js", b"alert(document.domain)", "text/javascript"),
    ("payload.mjs", b"export default 1", "text/javascript"),
    ("style.css", b"body{background:red}", "text/css"),
    ("page.html", b"<script>alert(1)</script>", "text/html"),
    ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"),
    ("data.json", b'{"a": 1}', "application/json"),
    ("worker.wasm", b"\x00asm\x01\x00\x00\x00", "application/wasm"),
]


@pytest.mark.parametrize(("name", "data", "guessed"), ACTIVE)
def test_active_content_is_served_as_opaque_bytes(browser, name, data, guessed):
    item = browser.upload(name, data)
    for action in ("download", "inline"):
        reply = browser.get(f"/files/{item['file_id']}/{action}")
        assert reply.status_code == 200, (action, reply.status_code)
        assert reply.content == data
        assert reply.headers["Content-Type"] == "application/octet-stream", (action, reply.headers["Content-Type"])
        assert reply.headers["Content-Disposition"].startswith("attachment;")
        assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_media_keeps_its_type_for_the_preview(browser):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    item = browser.upload("photo.png", png)
    reply = browser.get(f"/files/{item['file_id']}/inline")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "image/png"
    assert reply.headers["Content-Disposition"].startswith("inline;")


def test_names_are_isolated_from_the_text_around_them(browser):
    """A name cannot reorder the page around it; `<bdi>` around every name shown as text
    (the PDS refuses bidi controls in new names, but a name may hold right-to-left script)."""
    item = browser.upload("\u05e9\u05dc\u05d5\u05dd.txt", b"hebrew")
    listing = browser.get("/")
    assert "<bdi>\u05e9\u05dc\u05d5\u05dd.txt</bdi>" in listing.text
    rename = browser.get(f"/files/{item['file_id']}/rename")
    assert "<bdi>\u05e9\u05dc\u05d5\u05dd.txt</bdi>" in rename.text
    preview = browser.get(f"/files/{item['file_id']}/preview")
    assert "<h1><bdi>\u05e9\u05dc\u05d5\u05dd.txt</bdi></h1>" in preview.text

"""The Photos search by content and the viewer's info panel over HTTP, signed in through the
live embedded PDS: real photos (Chelsea the cat from scikit-image, a rendered receipt that
says "ACME 2026") uploaded, read by ingest and analysed; the search box finds a photo by a
word of its text or by a tag, keeps the query, and says when nothing matches; the info panel
shows the tags (in Chinese on a Chinese page), each a search for itself, and the text read in
the photo with a Copy button."""

from __future__ import annotations

import html
import re

from tests.files.test_duplicates import upload_analysed
from tests.pds_server import analysis_images as images


def tiles(page: str) -> list[str]:
    return re.findall(r'<li class="album-tile" data-id="([^"]+)"', page)


def test_search_finds_the_receipt_by_a_word_in_it_and_keeps_the_query(browser):
    receipt = upload_analysed(browser, "IMG_0042.jpg", images.receipt())
    cat = upload_analysed(browser, "IMG_0043.jpg", images.encoded(images.chelsea(), quality=90))

    page = browser.get("/photos/search/", params={"q": "acme"})
    assert page.status_code == 200
    assert tiles(page.text) == [receipt]
    assert 'value="acme"' in page.text and "Photos matching" in page.text
    # Each word must match: the receipt's two words, in any case.
    assert tiles(browser.get("/photos/search/", params={"q": "  Acme   TOTAL "}).text) == [receipt]
    assert cat not in tiles(browser.get("/photos/search/", params={"q": "acme"}).text)

    nothing = browser.get("/photos/search/", params={"q": "acme zebra"})
    assert nothing.status_code == 200 and "No photos match" in nothing.text and not tiles(nothing.text)
    assert 'value="acme zebra"' in nothing.text
    # A query the PDS's parser would choke on is only words to it.
    odd = browser.get("/photos/search/", params={"q": 'acme" or name = "x'})
    assert odd.status_code == 200 and "No photos match" in odd.text


def test_the_box_is_on_the_photos_pages_and_empty_without_a_query(browser):
    for path in ("/photos/", "/photos/albums/", "/photos/places/"):
        page = browser.get(path)
        assert re.search(r'<form role="search" method="get" action="/photos/search/"', page.text), path
        assert 'id="photos-search-q"' in page.text and "js/photo-text.js" in page.text
    blank = browser.get("/photos/search/")
    assert blank.status_code == 200 and "Search your photos by what is in them." in blank.text and not tiles(blank.text)


def test_the_info_panel_shows_tags_as_searches_and_the_text_with_copy(browser):
    receipt = upload_analysed(browser, "receipt.jpg", images.receipt())
    cat = upload_analysed(browser, "chelsea.jpg", images.encoded(images.chelsea(), quality=90))

    text = browser.get(f"/photos/files/{receipt}/info")
    assert text.status_code == 200 and "Text in this photo" in text.text
    block = re.search(r'<pre class="photo-text"[^>]*>(.*?)</pre>', text.text, re.S).group(1)
    assert "ACME 2026" in html.unescape(block)
    assert 'data-copy-text="photo-text"' in text.text and "Copy text" in text.text

    info = browser.get(f"/photos/files/{cat}/info")
    chips = re.findall(r'<a class="tag-chip" href="([^"]+)">.*?<bdi>([^<]+)</bdi>', info.text)
    assert chips, info.text
    assert "Text in this photo" not in info.text  # nothing was read in it
    names = [name for _, name in chips]
    assert "Cat" in names or "cat" in [name.lower() for name in names], names
    link, name = next(chip for chip in chips if chip[1].lower() == "cat")
    # The chip is a search for the tag, which finds the photo.
    found = browser.get(html.unescape(link))
    assert found.status_code == 200 and cat in tiles(found.text) and receipt not in tiles(found.text)

    # On a Chinese page, the tags have their Chinese names, and those find the photo too.
    chinese = browser.get(f"/photos/files/{cat}/info", headers={"Accept-Language": "zh-hans"})
    zh_chips = re.findall(r'<a class="tag-chip" href="([^"]+)">.*?<bdi>([^<]+)</bdi>', chinese.text)
    assert "猫" in [name for _, name in zh_chips], zh_chips
    zh_link = next(link for link, name in zh_chips if name == "猫")
    assert cat in tiles(browser.get(html.unescape(zh_link)).text)

"""Where items are: the folder paths that trash and search show ("My drive › Photos › 2024"),
read through the live embedded PDS a level of the tree per batch request."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from accounts.user_pds import UserPds
from files import selectors
from pds_server.models import Drive, File


def make_folder(browser, name: str, parent: str = "root") -> str:
    body = {"drive_id": browser.drive_id, "parent_file_id": parent, "name": name, "type": "folder"}
    return browser.pds("file/create", body)["file_id"]


@pytest.fixture
def tree(browser) -> dict[str, str]:
    """My drive › Photos › 2024 › Summer, and My drive › Docs."""
    photos = make_folder(browser, "Photos")
    year = make_folder(browser, "2024", photos)
    summer = make_folder(browser, "Summer", year)
    docs = make_folder(browser, "Docs")
    return {"photos": photos, "2024": year, "summer": summer, "docs": docs}


@pytest.fixture
def counted(browser, monkeypatch):
    """The signed-in user's PDS, and the file ids of each batch request it sends."""
    pds = UserPds(browser.credential.user)
    batches: list[list[str]] = []
    real_call = pds.client.call

    def call(path, body=None, **kwargs):
        if path == "batch":
            batches.append([request["body"]["file_id"] for request in body["requests"]])
        return real_call(path, body, **kwargs)

    monkeypatch.setattr(pds.client, "call", call)
    return pds, batches


def names(path) -> list[str]:
    return [folder["name"] for folder in path]


def test_each_folder_is_read_once_a_level_per_batch(browser, tree, counted):
    pds, batches = counted
    items = [browser.upload(f"beach-{n}.jpg", b"jpg", parent=tree["summer"]) for n in range(5)]
    rows = selectors.located(pds=pds, items=items)
    assert [names(row.path) for row in rows] == [["Photos", "2024", "Summer"]] * 5
    assert [row.item["name"] for row in rows] == [f"beach-{n}.jpg" for n in range(5)]
    # Summer, then 2024, then Photos: three round trips for five items three folders deep.
    assert batches == [[tree["summer"]], [tree["2024"]], [tree["photos"]]], batches


def test_folders_met_on_the_way_are_not_read_again(browser, tree, counted):
    pds, batches = counted
    items = [
        browser.upload("top.txt", b"1"),
        browser.upload("notes.txt", b"2", parent=tree["docs"]),
        browser.upload("cover.jpg", b"3", parent=tree["photos"]),
        browser.upload("sunset.jpg", b"4", parent=tree["summer"]),
        browser.upload("plan.txt", b"5", parent=tree["2024"]),
    ]
    paths = [row.path for row in selectors.located(pds=pds, items=items)]
    expected = [[], ["Docs"], ["Photos"], ["Photos", "2024", "Summer"], ["Photos", "2024"]]
    assert [names(path) for path in paths] == expected
    assert len(batches) == 1 and sorted(batches[0]) == sorted(tree.values()), batches


def test_a_folder_deleted_for_good_has_no_path(browser, tree, counted):
    pds, _ = counted
    gone = make_folder(browser, "Old", tree["docs"])
    browser.pds("file/delete", {"drive_id": browser.drive_id, "file_id": gone})
    paths = selectors.folder_paths(pds=pds, folder_ids=[gone, tree["docs"], "root"])
    assert paths[gone] is None
    assert names(paths[tree["docs"]]) == ["Docs"] and paths["root"] == []


def test_trash_and_search_show_the_path_as_links(browser, tree):
    sunset = browser.upload("sunset.jpg", b"jpg", parent=tree["summer"])
    found = browser.get("/search/", params={"q": "sunset"})
    assert found.status_code == 200
    path = re.search(r'<td class="meta location">(.*?)</td>', found.text, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"><bdi>([^<]+)</bdi></a>|<a href="(/)">([^<]+)</a>', path)
    assert [(href or root_href, name or root_name) for href, name, root_href, root_name in links] == [
        ("/", "My drive"),
        (f"/folders/{tree['photos']}/", "Photos"),
        (f"/folders/{tree['2024']}/", "2024"),
        (f"/folders/{tree['summer']}/", "Summer"),
    ]

    browser.pds("recyclebin/trash", {"drive_id": browser.drive_id, "file_id": sunset["file_id"]})
    trash = browser.get("/trash/")
    assert trash.status_code == 200 and "sunset.jpg" in trash.text
    assert f'href="/folders/{tree["summer"]}/"><bdi>Summer</bdi>' in trash.text
    assert "Open folder" not in trash.text


def test_more_folders_than_a_batch_holds_take_several_requests(browser, counted):
    pds, batches = counted
    drive = Drive.objects.get(pk=int(browser.drive_id))
    now = timezone.now()
    folders = File.objects.bulk_create(
        [
            File(
                file_id=f"f{n:039d}",
                drive=drive,
                parent_file_id="root",
                name=f"folder {n}",
                type="folder",
                created_at=now,
                updated_at=now,
            )
            for n in range(150)
        ]
    )
    paths = selectors.folder_paths(pds=pds, folder_ids=[folder.file_id for folder in folders])
    assert [len(batch) for batch in batches] == [100, 50]  # the PDS takes up to 100 calls a batch
    assert names(paths["f" + "0" * 36 + "149"]) == ["folder 149"]

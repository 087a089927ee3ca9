"""The folder page's JSON actions (files.actions_api) over HTTP, signed in through the live
embedded PDS: new folder, rename, trash and its Undo, move and copy of a selection or of a
whole folder, the folder's count, rows for re-inserting; bad input is a 4xx JSON error, never
a 500, and another person's ids are refused."""

from __future__ import annotations

import json
import re

import pytest

from files import services
from files.actions_api import MAX_ROWS
from files.forms import MAX_SELECTION
from pds_server.models import File
from tests.drive_helpers import Browser, sign_in
from tests.factories import listing_entries


def call(browser: Browser, path: str, body=None, raw: str | None = None):
    """A JSON call as static/js/ui.js api() makes it."""
    if not browser.session.cookies.get("drive_csrftoken"):
        browser.get("/")
    headers = {
        "X-CSRFToken": browser.session.cookies.get("drive_csrftoken", ""),
        "Referer": f"{browser.base}/",
        "Content-Type": "application/json",
    }
    url = f"{browser.base}/api/actions/{path}"
    if body is None and raw is None:
        return browser.session.get(url, headers=headers)
    return browser.session.post(url, json=body, data=raw, headers=headers)


def folder(browser: Browser, name: str, parent: str = "root") -> str:
    answer = call(browser, "folders", {"parent_id": parent, "name": name})
    assert answer.status_code == 200, answer.text
    return answer.json()["file_id"]


def test_new_folder_answers_its_row_and_says_why_not(browser):
    answer = call(browser, "folders", {"parent_id": "root", "name": "Projects"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["name"] == "Projects" and File.objects.get(name="Projects").file_id == data["file_id"]
    assert f'data-id="{data["file_id"]}"' in data["row"] and 'data-type="folder"' in data["row"]
    assert 'data-size="' in data["row"] and 'data-updated="' in data["row"]
    taken = call(browser, "folders", {"parent_id": "root", "name": "Projects"})
    assert taken.status_code == 409 and "already exists" in taken.json()["error"]
    bad = call(browser, "folders", {"parent_id": "root", "name": "a/b"})
    assert bad.status_code == 400 and bad.json()["error"]
    empty = call(browser, "folders", {"parent_id": "root", "name": ""})
    assert empty.status_code == 400 and empty.json()["error"]
    nowhere = call(browser, "folders", {"parent_id": "no-such-folder", "name": "x"})
    assert nowhere.status_code == 404
    assert File.objects.filter(type="folder").count() == 1


def test_rename_answers_the_new_row(browser):
    doc = browser.upload("notes.txt", b"hello")
    answer = call(browser, "rename", {"file_id": doc["file_id"], "name": "renamed.txt"})
    assert answer.status_code == 200 and answer.json()["name"] == "renamed.txt"
    assert 'data-name="renamed.txt"' in answer.json()["row"]
    assert File.objects.get(file_id=doc["file_id"]).name == "renamed.txt"
    browser.upload("other.txt", b"x")
    taken = call(browser, "rename", {"file_id": doc["file_id"], "name": "other.txt"})
    assert taken.status_code == 409 and "already exists" in taken.json()["error"]
    assert call(browser, "rename", {"file_id": doc["file_id"], "name": ""}).status_code == 400
    assert call(browser, "rename", {"name": "x"}).status_code == 400
    assert File.objects.get(file_id=doc["file_id"]).name == "renamed.txt"


def test_trash_then_undo_restores_and_rows_come_back(browser):
    docs = [browser.upload(f"doc-{i}.txt", b"x")["file_id"] for i in range(3)]
    answer = call(browser, "trash", {"ids": docs[:2]})
    assert answer.status_code == 200
    assert sorted(answer.json()["done"]) == sorted(docs[:2]) and answer.json()["failed"] == 0
    assert set(File.objects.filter(trashed=True).values_list("file_id", flat=True)) == set(docs[:2])
    restored = call(browser, "restore", {"ids": answer.json()["done"]})
    assert restored.status_code == 200 and not File.objects.filter(trashed=True).exists()
    rows = call(browser, "rows?" + "&".join(f"ids={i}" for i in docs[:2]))
    assert rows.status_code == 200 and all(f'data-id="{i}"' in rows.json()["rows"] for i in docs[:2])


def test_move_and_copy_a_selection_and_move_it_back(browser):
    target = folder(browser, "Target")
    docs = [browser.upload(f"doc-{i}.txt", b"x")["file_id"] for i in range(2)]
    moved = call(browser, "move", {"ids": docs, "target_id": target})
    assert moved.status_code == 200 and sorted(moved.json()["done"]) == sorted(docs)
    assert {File.objects.get(file_id=i).parent_file_id for i in docs} == {target}
    back = call(browser, "move", {"ids": docs, "target_id": "root"})
    assert back.status_code == 200 and {File.objects.get(file_id=i).parent_file_id for i in docs} == {"root"}
    copied = call(browser, "copy", {"ids": docs, "target_id": target})
    assert copied.status_code == 200 and File.objects.filter(parent_file_id=target).count() == 2
    copies = copied.json()["created"]
    assert len(copies) == 2 and {File.objects.get(file_id=i).parent_file_id for i in copies} == {target}
    into_itself = call(browser, "move", {"ids": [target], "target_id": target})
    assert into_itself.status_code == 400 and into_itself.json()["error"]


def test_everything_in_a_folder_counts_moves_and_trashes_past_one_page(browser):
    source, target = folder(browser, "Source"), folder(browser, "Target")
    drive = File.objects.get(file_id=source).drive
    now = File.objects.get(file_id=source).created_at
    File.objects.bulk_create(
        [
            File(
                file_id=f"{i:040d}",
                drive=drive,
                parent_file_id=source,
                name=f"item-{i:03d}.txt",
                type="file",
                size=i,
                created_at=now,
                updated_at=now,
            )
            for i in range(250)
        ]
    )
    assert call(browser, f"count/{source}").json() == {"count": 250, "max_all": services.MAX_ALL}
    moved = call(browser, "move", {"all_in": source, "target_id": target})
    assert moved.status_code == 200 and len(moved.json()["done"]) == 250
    assert File.objects.filter(parent_file_id=target).count() == 250
    assert call(browser, f"count/{source}").json()["count"] == 0
    trashed = call(browser, "trash", {"all_in": target})
    assert trashed.status_code == 200 and len(trashed.json()["done"]) == 250
    assert File.objects.filter(parent_file_id=target, trashed=True).count() == 250
    # Moving "all" of the top into one of its folders moves the others, not the folder itself.
    everything = call(browser, "move", {"all_in": "root", "target_id": target})
    assert everything.status_code == 200 and everything.json()["done"] == [source]


@pytest.mark.parametrize(
    ("path", "body", "raw"),
    [
        ("trash", {}, None),
        ("trash", {"ids": []}, None),
        ("trash", {"ids": "not-a-list-but-one-id-that-is-missing"}, None),
        ("trash", {"ids": {"a": 1}}, None),
        ("trash", {"ids": [1, 2]}, None),
        ("trash", {"ids": ["x"], "all_in": "root"}, None),
        ("trash", None, "not json"),
        ("trash", None, "[1, 2]"),
        ("move", {"ids": ["x"]}, None),
        ("copy", {"ids": ["x"], "target_id": ""}, None),
        ("delete", {"ids": ["x"]}, None),
        ("explode", {"ids": ["x"]}, None),
        ("folders", {"parent_id": ["a"], "name": {"b": 1}}, None),
        ("rename", {"file_id": 5, "name": None}, None),
        ("rows?ids=", None, None),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(browser, path, body, raw):
    answer = call(browser, path, body, raw=raw)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert answer.json()["error"]


def test_another_persons_ids_are_refused(browser, make_user, drive_url):
    make_user("bob", password="bob-password-1")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-1"))
    bob.user_id = "bob"
    secret = bob.upload("secret.txt", b"bob's")
    bobs_folder = folder(bob, "Bob's")
    mine = folder(browser, "Mine")
    for path, body in [
        ("trash", {"ids": [secret["file_id"]]}),
        ("move", {"ids": [secret["file_id"]], "target_id": mine}),
        ("copy", {"ids": [secret["file_id"]], "target_id": mine}),
        ("rename", {"file_id": secret["file_id"], "name": "mine.txt"}),
        ("folders", {"parent_id": bobs_folder, "name": "intruder"}),
        ("trash", {"all_in": bobs_folder}),
    ]:
        answer = call(browser, path, body)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:300])
        assert answer.json()["error"]
    assert call(browser, f"count/{bobs_folder}").json()["count"] == 0  # nothing of Bob's is counted
    assert 'data-id="' not in call(browser, f"rows?ids={secret['file_id']}").json()["rows"]
    item = File.objects.get(file_id=secret["file_id"])
    assert item.name == "secret.txt" and not item.trashed and item.parent_file_id == "root"
    assert not File.objects.filter(name="intruder").exists()


def test_the_move_dialog_lists_folders_only_with_their_path(browser):
    outer = folder(browser, "Outer")
    inner = folder(browser, "Inner", parent=outer)
    folder(browser, "Deeper", parent=inner)
    browser.upload("not-a-folder.txt", b"x", parent=inner)
    top = call(browser, "folders/root").json()
    assert top["can_add"] is True
    assert top == {"path": [], "can_add": True, "folders": [{"file_id": outer, "name": "Outer"}], "next_marker": ""}
    down = call(browser, f"folders/{inner}").json()
    assert down["can_add"] is True  # the owner may add anywhere
    assert [step["name"] for step in down["path"]] == ["Outer", "Inner"]
    assert [entry["name"] for entry in down["folders"]] == ["Deeper"]
    assert call(browser, "folders/no-such-folder").status_code == 404
    a_file = File.objects.get(name="not-a-folder.txt").file_id
    assert call(browser, f"folders/{a_file}").status_code == 404
    assert call(browser, "folders/root?marker=not-a-marker").status_code == 400


def test_a_big_folder_answers_its_async_task_and_the_page_can_follow_it(browser, settings):
    settings.PDS_ASYNC_THRESHOLD = 5  # the PDS runs work on bigger folders as async tasks
    big = folder(browser, "Big")
    for i in range(8):
        browser.upload(f"f{i}.txt", b"x", parent=big)
    answer = call(browser, "trash", {"ids": [big]})
    assert answer.status_code == 200
    assert answer.json()["done"] == [big] and len(answer.json()["tasks"]) == 1
    state = call(browser, f"tasks/{answer.json()['tasks'][0]}")
    assert state.status_code == 200 and state.json()["state"] in ("Running", "Succeed")  # no worker here
    assert call(browser, "tasks/no-such-task").status_code == 404


def test_all_of_a_folder_downloads_as_one_zip(browser):
    import io
    import zipfile

    album = folder(browser, "Album")
    browser.upload("one.txt", b"1", parent=album)
    browser.upload("two.txt", b"22", parent=album)
    answer = browser.post("/download.zip", {"all_in": album})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(answer.content)).namelist()) == ["one.txt", "two.txt"]
    empty = folder(browser, "Empty")
    nothing = browser.post("/download.zip", {"all_in": empty})
    assert nothing.status_code == 200 and "This folder is empty." in nothing.text


def test_all_of_a_folder_bigger_than_the_limit_is_refused_before_anything_is_done(browser):
    source, target = folder(browser, "Source"), folder(browser, "Target")
    drive = File.objects.get(file_id=source).drive
    names = [f"item-{i:05d}.txt" for i in range(services.MAX_ALL + 1)]
    listing_entries(drive, names, parent_id=source, id_prefix="b")
    for path, body in [("move", {"all_in": source, "target_id": target}), ("trash", {"all_in": source})]:
        answer = call(browser, path, body)
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:300])
        assert answer.json()["error"] == (
            "This folder holds more than 10,000 items: move or trash the folder itself, or select fewer."
        )
    assert File.objects.filter(parent_file_id=source, trashed=False).count() == services.MAX_ALL + 1
    assert not File.objects.filter(parent_file_id=target).exists()
    # The page is told the limit with the count, to say so before anyone tries.
    assert call(browser, f"count/{source}").json() == {"count": services.MAX_ALL + 1, "max_all": services.MAX_ALL}


def test_all_of_a_folder_up_to_the_limit_is_done_whole(browser, monkeypatch):
    monkeypatch.setattr(services, "MAX_ALL", 5)  # the live server runs in this process
    source, target = folder(browser, "Source"), folder(browser, "Target")
    drive = File.objects.get(file_id=source).drive
    listing_entries(drive, [f"item-{i}.txt" for i in range(5)], parent_id=source, id_prefix="c")
    moved = call(browser, "move", {"all_in": source, "target_id": target})
    assert moved.status_code == 200 and len(moved.json()["done"]) == 5
    listing_entries(drive, [f"item-{i}.txt" for i in range(6)], parent_id=target, id_prefix="d")
    refused = call(browser, "trash", {"all_in": target})
    assert refused.status_code == 400 and "more than 5 items" in refused.json()["error"]
    assert not File.objects.filter(trashed=True).exists()


def test_the_undo_of_an_all_operation_fits_one_request(browser, settings):
    """Undo sends back every id an "all" operation did: as many as a selection may hold, in a
    body well under what Django reads (DATA_UPLOAD_MAX_MEMORY_SIZE); more is refused plainly."""
    assert MAX_SELECTION >= services.MAX_ALL
    ids = [f"{i:040d}" for i in range(MAX_SELECTION)]
    body = json.dumps({"ids": ids, "target_id": "root"}).encode()
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2
    too_many = call(browser, "restore", {"ids": [*ids, "one-more"]})
    assert too_many.status_code == 400 and "at most 10000" in too_many.json()["error"]


def test_rows_come_at_most_max_rows_at_once(browser):
    assert MAX_ROWS == 100  # fits nginx's and gunicorn's 8 KB request line (static/js/folder-actions.js)
    drive = File.objects.get(file_id=folder(browser, "Many")).drive
    ids = [
        row.file_id for row in listing_entries(drive, [f"r-{i:03d}.txt" for i in range(MAX_ROWS + 1)], id_prefix="r")
    ]
    query = "&".join(f"ids={i}" for i in ids[:MAX_ROWS])
    assert len(f"GET /api/actions/rows?{query} HTTP/1.1") < 8190
    answer = call(browser, f"rows?{query}")
    assert answer.status_code == 200 and answer.json()["rows"].count("<tr") == MAX_ROWS
    over = call(browser, "rows?" + "&".join(f"ids={i}" for i in ids))
    assert over.status_code == 400 and f"at most {MAX_ROWS}" in over.json()["error"]


def test_the_picker_lists_subfolders_a_page_at_a_time_past_any_number_of_files(browser):
    # 250 files sort before every folder: the picker asks for folders only, so they are
    # on its first page, and the 201st folder is one "More" away.
    source = folder(browser, "Big")
    drive = File.objects.get(file_id=source).drive
    listing_entries(drive, [f"a-{i:03d}.txt" for i in range(250)], parent_id=source, id_prefix="p")
    listing_entries(drive, [f"f-{i:03d}" for i in range(201)], parent_id=source, kind="folder", id_prefix="q")
    first = browser.get(f"/pick/?op=move&next=%2F&ids=x&folder={source}")
    assert first.status_code == 200
    names = re.findall(r"<bdi>(f-\d+|a-\d+\.txt)</bdi>", first.text)
    assert names == [f"f-{i:03d}" for i in range(200)]
    more_link = r'<p><a class="btn btn-quiet" href="\?([^"]*marker=[^"]+)">More</a></p>'
    more = re.search(more_link, first.text)
    assert more is not None
    second = browser.get("/pick/?" + more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and re.findall(r"<bdi>(f-\d+)</bdi>", second.text) == ["f-200"]
    assert not re.search(more_link, second.text)  # the last page

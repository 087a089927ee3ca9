"""A file's versions and activity over HTTP, as the Versions dialog and the details panel use
them: the list (paged), a version's download (streamed, as a file's), restore (the file's row
comes back as it now is), keep forever, delete; refusals are readable 4xx messages, never a
500; another person's file is out of reach. The activity reads in plain words."""

from __future__ import annotations

import re

import requests

from files.activity import phrase
from pds_server.models import File, Revision
from tests.drive_helpers import Browser
from tests.files.test_share_panel import api, bob_of


def upload_over(browser: Browser, name: str, data: bytes, parent: str = "root") -> dict:
    """Upload `data` over the file `name` (the conflict dialog's Replace): a new version."""
    body = {
        "drive_id": browser.drive_id,
        "parent_file_id": parent,
        "name": name,
        "type": "file",
        "size": len(data),
        "check_name_mode": "overwrite",
    }
    created = browser.pds("file/create", body)
    requests.put(created["part_info_list"][0]["upload_url"], data=data)
    done = {"drive_id": browser.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
    return browser.pds("file/complete", done)


def revisions_of(browser: Browser, file_id: str) -> list[dict]:
    return browser.pds("file/revision/list", {"drive_id": browser.drive_id, "file_id": file_id, "limit": 100})["items"]


def versions(browser: Browser, file_id: str, marker: str = "") -> dict:
    answer = api(browser, "GET", f"/api/files/{file_id}/versions" + (f"?marker={marker}" if marker else ""))
    assert answer.status_code == 200, answer.text
    return answer.json()


def shown(rows_html: str) -> list[str]:
    """The version numbers the rows show, in order."""
    return re.findall(r'data-version="([^"]*)"', rows_html)


def two_versions(browser: Browser) -> tuple[str, list[dict]]:
    item = browser.upload("notes.txt", b"one")
    again = upload_over(browser, "notes.txt", b"two two")
    assert again["file_id"] == item["file_id"], "an upload over a file keeps its id"
    return item["file_id"], revisions_of(browser, item["file_id"])


def test_the_list_shows_each_version_newest_first_with_size_who_and_the_current_one(browser):
    file_id, revisions = two_versions(browser)
    answer = versions(browser, file_id)
    assert answer["file"] == {"file_id": file_id, "name": "notes.txt"}
    assert answer["next_marker"] == ""
    rows = answer["rows"]
    assert shown(rows) == ["2", "1"]
    current, older = rows.split('data-version="1"')
    assert "Current" in current and "7 bytes" in current and "You" in current
    assert "Current" not in older and "3 bytes" in older
    assert "Restore" not in current and "Restore" in older  # the current version is not restored
    assert "Delete version 1" in older and "Delete version 2" not in current
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d">just now</time>', rows)
    assert f'href="/files/{file_id}/versions/{revisions[1]["revision_id"]}"' in older


def test_an_older_version_downloads_with_its_own_bytes(browser):
    file_id, revisions = two_versions(browser)
    old = revisions[-1]
    answer = browser.get(f"/files/{file_id}/versions/{old['revision_id']}")
    assert answer.status_code == 200 and answer.content == b"one"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert "notes.txt" in answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"] == "application/octet-stream"
    ranged = browser.get(f"/files/{file_id}/versions/{old['revision_id']}", headers={"Range": "bytes=1-"})
    assert ranged.status_code == 206 and ranged.content == b"ne"
    assert browser.get(f"/files/{file_id}/download").content == b"two two"


def test_restore_makes_a_new_current_version_and_answers_the_files_row(browser):
    file_id, revisions = two_versions(browser)
    old = revisions[-1]["revision_id"]
    answer = api(browser, "POST", f"/api/versions/{file_id}/{old}/restore", {})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["message"] == "Restored: it is now version 3"
    assert f'data-id="{file_id}"' in body["row"] and 'data-size="3"' in body["row"] and "3 bytes" in body["row"]
    assert browser.get(f"/files/{file_id}/download").content == b"one"
    rows = versions(browser, file_id)["rows"]
    assert shown(rows) == ["3", "2", "1"]
    assert rows.index("Current") < rows.index('data-version="2"')


def test_keep_forever_toggles_and_says_so(browser):
    file_id, revisions = two_versions(browser)
    old = revisions[-1]["revision_id"]
    kept = api(browser, "POST", f"/api/versions/{file_id}/{old}/keep", {"keep_forever": True})
    assert kept.status_code == 200, kept.text
    assert kept.json()["message"] == "Kept forever"
    assert 'aria-pressed="true"' in kept.json()["row"] and "Kept forever" in kept.json()["row"]
    assert Revision.objects.get(revision_id=old).keep_forever
    assert "Kept forever" in versions(browser, file_id)["rows"]
    released = api(browser, "POST", f"/api/versions/{file_id}/{old}/keep", {"keep_forever": False})
    assert released.json()["message"] == "No longer kept forever" and 'aria-pressed="false"' in released.json()["row"]
    assert not Revision.objects.get(revision_id=old).keep_forever


def test_delete_takes_an_older_version_and_refuses_the_current_one(browser):
    file_id, revisions = two_versions(browser)
    latest, old = revisions[0]["revision_id"], revisions[-1]["revision_id"]
    refused = api(browser, "POST", f"/api/versions/{file_id}/{latest}/delete", {})
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("The current version cannot be deleted")
    deleted = api(browser, "POST", f"/api/versions/{file_id}/{old}/delete", {})
    assert deleted.status_code == 200 and deleted.json()["message"] == "Version deleted"
    assert shown(versions(browser, file_id)["rows"]) == ["2"]
    gone = api(browser, "POST", f"/api/versions/{file_id}/{old}/delete", {})
    assert gone.status_code == 404 and gone.json()["error"] == "That version no longer exists."
    assert browser.get(f"/files/{file_id}/versions/{old}").status_code == 404


def test_more_than_fifty_kept_forever_is_a_readable_refusal(browser):
    item = browser.upload("log.txt", b"0")
    for n in range(1, 51):
        upload_over(browser, "log.txt", str(n).encode())
    ids = [revision["revision_id"] for revision in revisions_of(browser, item["file_id"])]
    assert len(ids) == 51
    Revision.objects.filter(revision_id__in=ids[:50]).update(keep_forever=True)
    refused = api(browser, "POST", f"/api/versions/{item['file_id']}/{ids[50]}/keep", {"keep_forever": True})
    assert refused.status_code == 400
    assert (
        refused.json()["error"] == "At most 50 versions of a file can be kept forever: stop keeping another one first."
    )


def test_the_list_pages_with_show_more(browser):
    item = browser.upload("draft.txt", b"v1")
    for n in range(2, 23):
        upload_over(browser, "draft.txt", f"v{n}".encode())
    first = versions(browser, item["file_id"])
    assert shown(first["rows"]) == [str(n) for n in range(22, 2, -1)]
    assert first["next_marker"]
    second = versions(browser, item["file_id"], marker=first["next_marker"])
    assert shown(second["rows"]) == ["2", "1"] and second["next_marker"] == "" and "file" not in second


def test_bad_requests_are_readable_4xx(browser):
    file_id, revisions = two_versions(browser)
    old = revisions[-1]["revision_id"]
    for body in ({}, {"keep_forever": "yes"}, {"keep_forever": 1}):
        answer = api(browser, "POST", f"/api/versions/{file_id}/{old}/keep", body)
        assert answer.status_code == 400 and answer.json()["error"] == "keep_forever: send true or false.", body
    broken = api(browser, "POST", f"/api/versions/{file_id}/{old}/keep", raw=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]
    assert api(browser, "GET", f"/api/versions/{file_id}/{old}/restore").status_code == 405
    unknown = api(browser, "POST", f"/api/versions/{file_id}/no-such-version/restore", {})
    assert unknown.status_code == 404 and unknown.json()["error"] == "That version no longer exists."
    assert api(browser, "GET", "/api/files/no-such-file/versions").status_code == 404
    browser.post("/folders/new", {"parent_id": "root", "name": "Box"})
    box = File.objects.get(name="Box").file_id
    folder = api(browser, "GET", f"/api/files/{box}/versions")
    assert folder.status_code == 400 and folder.json()["error"] == "Folders have no versions."
    # Writes need the CSRF token.
    no_token = browser.session.post(f"{browser.base}/api/versions/{file_id}/{old}/restore", json={})
    assert no_token.status_code == 403
    assert browser.get(f"/files/{file_id}/download").content == b"two two"


def test_another_persons_file_and_versions_are_out_of_reach(browser, drive_url, make_user):
    file_id, revisions = two_versions(browser)
    old = revisions[-1]["revision_id"]
    bob = bob_of(drive_url, make_user)
    answers = [
        api(bob, "GET", f"/api/files/{file_id}/versions"),
        api(bob, "POST", f"/api/versions/{file_id}/{old}/restore", {}),
        api(bob, "POST", f"/api/versions/{file_id}/{old}/keep", {"keep_forever": True}),
        api(bob, "POST", f"/api/versions/{file_id}/{old}/delete", {}),
    ]
    for answer in answers:
        assert answer.status_code == 404 and answer.json()["error"], answer.text
    assert bob.get(f"/files/{file_id}/versions/{old}").status_code == 404
    assert bob.get(f"/files/{file_id}/activity").status_code == 404
    assert len(revisions_of(browser, file_id)) == 2 and not Revision.objects.filter(keep_forever=True).exists()


def test_signed_out_is_sent_to_sign_in(drive_url, alice):
    visitor = requests.Session()
    answer = visitor.get(f"{drive_url}/api/files/x/versions", allow_redirects=False)
    assert answer.status_code == 302 and "/accounts/login/" in answer.headers["Location"]


# --- Activity ----------------------------------------------------------------------------------


def test_the_details_panel_tells_the_files_activity_in_plain_words(browser):
    file_id, revisions = two_versions(browser)
    browser.pds("file/update", {"drive_id": browser.drive_id, "file_id": file_id, "name": "plan.txt"})
    api(browser, "POST", f"/api/versions/{file_id}/{revisions[-1]['revision_id']}/restore", {})
    panel = browser.get(f"/files/{file_id}/details")
    assert panel.status_code == 200
    section = panel.text[panel.text.index('class="details-activity"') :]
    texts = re.findall(r'<span class="activity-text">([^<]*)</span>', section)
    assert texts == [
        "You restored version 1",
        "You renamed it from notes.txt",
        "You uploaded a new version",
        "You uploaded it",
    ], texts
    assert "just now" in section and "Show more" not in section
    assert 'data-versions-open="' + file_id + '"' in panel.text


def test_activity_pages_with_show_more(browser):
    item = browser.upload("a0.txt", b"x")
    for n in range(1, 25):
        browser.pds("file/update", {"drive_id": browser.drive_id, "file_id": item["file_id"], "name": f"a{n}.txt"})
    panel = browser.get(f"/files/{item['file_id']}/details").text
    first = re.findall(r'<span class="activity-text">([^<]*)</span>', panel)
    assert len(first) == 20 and first[0] == "You renamed it from a23.txt"
    more = re.search(r'data-activity-more="([^"]+)"', panel)
    assert more, "a Show more button"
    page = browser.get(more.group(1).replace("&amp;", "&"))
    assert page.status_code == 200 and "<html" not in page.text
    rest = re.findall(r'<span class="activity-text">([^<]*)</span>', page.text)
    assert rest == [f"You renamed it from a{n}.txt" for n in range(3, -1, -1)] + ["You uploaded it"], rest
    assert "data-activity-more" not in page.text and "No activity yet." not in page.text


def test_phrases_name_who_did_what():
    def row(action_type: str, **detail) -> dict:
        return {"action_type": action_type, "actor_id": "bob", "actor_name": "Bob", "detail": detail}

    assert phrase(row("file.rename", old_name="a.txt", new_name="b.txt")) == "Bob renamed it from a.txt"
    assert phrase(row("file.rename", old_name="a.txt"), me="bob") == "You renamed it from a.txt"
    assert phrase(row("file.move", to_parent_path="/Photos/2024")) == "Bob moved it to Photos/2024"
    assert phrase(row("file.move", to_parent_path="/")) == "Bob moved it to the top of the drive"
    assert phrase(row("file.move")) == "Bob moved it"
    assert phrase(row("revision.restore", revision_id="r1"), versions={"r1": "2"}) == "Bob restored version 2"
    assert phrase(row("revision.restore", revision_id="gone")) == "Bob restored an earlier version"
    member = {"identity_type": "IT_User", "identity_id": "carol", "role_id": "SystemFileEditor"}
    assert phrase(row("permission.add", member_list=[member])) == "Bob shared it with carol"
    assert phrase(row("share_link.create")) == "Bob created a share link"
    assert phrase(row("file.trash")) == "Bob moved it to the trash"
    assert phrase(row("revision.update", revision_id="r1"), versions={"r1": "2"}) == (
        "Bob changed how long version 2 is kept"
    )
    assert phrase(row("revision.update", revision_version=2), action_type="revision.keep") == (
        "Bob kept version 2 forever"
    )
    assert phrase({"action_type": "file.frobnicate", "actor_id": "x"}) == "x: file.frobnicate"
    assert phrase({"action_type": "file.trash"}) == "Someone moved it to the trash"


def test_a_viewer_of_a_shared_folder_sees_versions_but_cannot_change_them(browser, drive_url, make_user):
    browser.post("/folders/new", {"parent_id": "root", "name": "Shared"})
    shared = File.objects.get(name="Shared").file_id
    item = browser.upload("doc.txt", b"one", parent=shared)
    upload_over(browser, "doc.txt", b"two two", parent=shared)
    revisions = revisions_of(browser, item["file_id"])
    bob = bob_of(drive_url, make_user)
    member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    browser.pds("file/add_permission", {"drive_id": browser.drive_id, "file_id": shared, "member_list": [member]})
    inside = f"/d/{browser.drive_id}"  # Alice's drive, as Bob reaches it
    listed = api(bob, "GET", f"{inside}/api/files/{item['file_id']}/versions")
    assert listed.status_code == 200 and shown(listed.json()["rows"]) == ["2", "1"]
    # Only what the role allows is offered (the PDS's action_list); the owner gets it all.
    rows = listed.json()["rows"]
    assert "data-version-restore" not in rows and "data-version-keep" not in rows and "data-version-delete" not in rows
    own = api(browser, "GET", f"/api/files/{item['file_id']}/versions").json()["rows"]
    assert "data-version-restore" in own and "data-version-keep" in own and "data-version-delete" in own
    old = revisions[-1]["revision_id"]
    assert bob.get(f"{inside}/files/{item['file_id']}/versions/{old}").content == b"one"
    for path, body in (("restore", {}), ("keep", {"keep_forever": True}), ("delete", {})):
        answer = api(bob, "POST", f"{inside}/api/versions/{item['file_id']}/{old}/{path}", body)
        assert answer.status_code == 403, (path, answer.text)
        error = answer.json()["error"]  # a sentence from files/errors.py, not the PDS's code
        assert error.endswith(".") and "Forbidden" not in error, answer.text
    assert len(revisions_of(browser, item["file_id"])) == 2
    assert not Revision.objects.filter(keep_forever=True).exists()

"""Keep forever answers the version's row with only the actions the caller's role allows, as
the list does: an editor who may not delete keeps a version and is not then offered Delete."""

from __future__ import annotations

from pds_server.models import File
from tests.files.test_share_panel import api, bob_of
from tests.files.test_versions import revisions_of, shown, upload_over


def test_keep_answers_a_row_without_delete_to_an_editor_who_may_not_delete(browser, drive_url, make_user):
    browser.post("/folders/new", {"parent_id": "root", "name": "Shared"})
    shared = File.objects.get(name="Shared").file_id
    item = browser.upload("doc.txt", b"one", parent=shared)
    upload_over(browser, "doc.txt", b"two two", parent=shared)
    old = revisions_of(browser, item["file_id"])[-1]["revision_id"]
    bob = bob_of(drive_url, make_user)
    member = {
        "identity": {"identity_type": "IT_User", "identity_id": "bob"},
        "role_id": "SystemFileEditorWithoutDelete",
    }
    browser.pds("file/add_permission", {"drive_id": browser.drive_id, "file_id": shared, "member_list": [member]})
    inside = f"/d/{browser.drive_id}"  # Alice's drive, as Bob reaches it

    listed = api(bob, "GET", f"{inside}/api/files/{item['file_id']}/versions").json()["rows"]
    assert "data-version-restore" in listed and "data-version-delete" not in listed
    kept = api(bob, "POST", f"{inside}/api/versions/{item['file_id']}/{old}/keep", {"keep_forever": True})
    assert kept.status_code == 200, kept.text
    row = kept.json()["row"]
    assert shown(row) == ["1"] and 'aria-pressed="true"' in row
    assert "data-version-keep" in row and "data-version-restore" in row and "data-version-delete" not in row

    # The owner may do everything, and is offered it.
    own = api(browser, "POST", f"/api/versions/{item['file_id']}/{old}/keep", {"keep_forever": False}).json()["row"]
    assert "data-version-keep" in own and "data-version-restore" in own and "data-version-delete" in own

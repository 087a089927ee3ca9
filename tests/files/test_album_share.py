"""An album's link (share_link/create with `story_id`): its visitors reach the album's files
as they are now (added, removed, in the recycle bin) and nothing else of the drive; only
those who may share from the whole drive make one; it dies with the album. Drive's public
page of such a link is a gallery of the photos at the sizes the PDS keeps for them."""

from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image

from pds_server.models import File, ShareLink
from pds_server.services.media.ingest import media_ingest
from tests.pds_server import media_files
from tests.pds_server.api_client import Api, make_api


@pytest.fixture
def owner(pds_url, alice, jwt_app) -> Api:
    return make_api(pds_url, alice, jwt_app)


def photo(api: Api, name: str, color: tuple[int, int, int], size: tuple[int, int] = (900, 600)) -> str:
    file_id = api.upload(name, media_files.photo(size=size, color=color))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) == "done"  # the worker's task body
    return file_id


@pytest.fixture
def holiday(owner) -> dict:
    """Alice's drive: three photos and a note, an album "Holiday" with two of the photos."""
    ids = {
        "sea": photo(owner, "sea.jpg", (20, 60, 200)),
        "sand": photo(owner, "sand.jpg", (220, 200, 120)),
        "private": photo(owner, "private.jpg", (200, 20, 20)),
        "note": owner.upload("note.txt", b"not in the album")["file_id"],
    }
    ids["story"] = owner.ok("image/create_story", {"story_type": "custom", "story_name": "Holiday"})["story_id"]
    files = [{"file_id": ids["sea"]}, {"file_id": ids["sand"]}]
    owner.ok("image/add_story_files", {"story_id": ids["story"], "files": files})
    return ids


def album_link(api: Api, story_id: str, **settings) -> dict:
    return api.ok("share_link/create", {"story_id": story_id, **settings}, 201)


class Visitor:
    """Someone with the link, through the PDS API and a share token."""

    def __init__(self, base: str, share_id: str):
        self.base, self.share_id = base, share_id
        reply = requests.post(f"{base}/v2/share_link/get_share_token", json={"share_id": share_id}, timeout=30)
        assert reply.status_code == 200, reply.text
        self.token = reply.json()["share_token"]

    def call(self, path: str, body: dict) -> requests.Response:
        headers = {"x-share-token": self.token}
        return requests.post(f"{self.base}/v2/{path}", json={"share_id": self.share_id, **body}, headers=headers)

    def listed(self) -> set[str]:
        reply = self.call("file/list", {"parent_file_id": "root", "limit": 100})
        assert reply.status_code == 200, reply.text
        return {item["file_id"] for item in reply.json()["items"]}


def test_visitors_see_exactly_the_albums_files_as_they_are_now(pds_url, owner, holiday):
    share = album_link(owner, holiday["story"])
    assert share["story_id"] == holiday["story"] and share["file_id_list"] == []
    assert share["share_name"] == "Holiday", "named after the album"
    about = requests.post(f"{pds_url}/v2/share_link/get_by_anonymous", json={"share_id": share["share_id"]}).json()
    assert about["story_id"] == holiday["story"]

    visitor = Visitor(pds_url, share["share_id"])
    assert visitor.listed() == {holiday["sea"], holiday["sand"]}
    grid = {"grid": {"image_thumbnail_process": "image/resize,m_lfit,w_480,h_480"}}
    reply = visitor.call("file/get", {"file_id": holiday["sea"], "thumbnail_processes": grid})
    assert reply.status_code == 200
    thumbnail = requests.get(reply.json()["thumbnail_urls"]["grid"], timeout=30)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 320)
    url = visitor.call("file/get_download_url", {"file_id": holiday["sand"]}).json()["url"]
    assert requests.get(url, timeout=30).content == media_files.photo(size=(900, 600), color=(220, 200, 120))
    for outside in (holiday["private"], holiday["note"]):
        for path in ("file/get", "file/get_download_url"):
            reply = visitor.call(path, {"file_id": outside})
            assert reply.status_code == 404 and reply.json()["code"] == "NotFound.File", (path, outside)
        reply = visitor.call("file/list", {"parent_file_id": outside})
        assert reply.status_code in (400, 404)

    # The album as it is now: added, removed, in the recycle bin and back.
    owner.ok("image/add_story_files", {"story_id": holiday["story"], "files": [{"file_id": holiday["private"]}]})
    owner.ok("image/remove_story_files", {"story_id": holiday["story"], "files": [{"file_id": holiday["sea"]}]})
    assert visitor.listed() == {holiday["sand"], holiday["private"]}
    assert visitor.call("file/get", {"file_id": holiday["sea"]}).status_code == 404
    owner.ok("recyclebin/trash", {"file_id": holiday["sand"]}, 204)
    assert visitor.listed() == {holiday["private"]}
    assert visitor.call("file/get_download_url", {"file_id": holiday["sand"]}).status_code == 404
    owner.ok("recyclebin/restore", {"file_id": holiday["sand"]}, 204)
    assert visitor.listed() == {holiday["sand"], holiday["private"]}

    # The album deleted: its link with it.
    owner.ok("image/delete_story", {"story_id": holiday["story"]})
    reply = requests.post(f"{pds_url}/v2/share_link/get_share_token", json={"share_id": share["share_id"]})
    assert reply.status_code == 404
    assert visitor.call("file/list", {"parent_file_id": "root"}).status_code == 404


def test_only_who_may_share_from_the_whole_drive_links_an_album(pds_url, owner, holiday, make_user, jwt_app):
    bob = make_api(pds_url, make_user("bob"), jwt_app)
    carol = make_api(pds_url, make_user("carol"), jwt_app)
    roles = [
        {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"},
        {"identity": {"identity_type": "IT_User", "identity_id": "carol"}, "role_id": "SystemFileEditor"},
    ]
    owner.ok("file/add_permission", {"file_id": "root", "member_list": roles}, 204)
    body = {"drive_id": owner.drive_id, "story_id": holiday["story"]}
    reply = bob.call("share_link/create", body)
    assert reply.status_code == 403, reply.text
    reply = carol.call("share_link/create", body)
    assert reply.status_code == 201, reply.text
    assert Visitor(pds_url, reply.json()["share_id"]).listed() == {holiday["sea"], holiday["sand"]}
    # Another drive's album is no album of this one.
    theirs = carol.ok("image/create_story", {"story_type": "custom", "story_name": "Carol's own"})["story_id"]
    reply = owner.call("share_link/create", {"drive_id": owner.drive_id, "story_id": theirs})
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Story"
    # Carol's role goes: so does her link.
    owner.ok("file/remove_permission", {"file_id": "root", "member_list": roles[1:]}, 204)
    share_id = ShareLink.objects.get(creator="carol").share_id
    reply = requests.post(f"{pds_url}/v2/share_link/get_share_token", json={"share_id": share_id})
    assert reply.status_code == 404


def test_the_share_page_of_an_album_is_a_gallery_of_its_photos(drive_url, owner, holiday):
    owner.upload("clip.mp4", b"\x00\x00\x00\x18ftypmp42 not really a video")
    clip = File.objects.get(name="clip.mp4").file_id
    owner.ok("image/add_story_files", {"story_id": holiday["story"], "files": [{"file_id": clip}]})
    share = album_link(owner, holiday["story"])
    visitor = requests.Session()
    page = visitor.get(f"{drive_url}/s/{share['share_id']}")
    assert page.status_code == 200 and "Holiday" in page.text
    base = f"/s/{share['share_id']}/files"
    thumbs = re.findall(r'<img src="(/s/[^"]+/thumbnail)\?size=photo"', page.text)
    assert sorted(thumbs) == sorted(f"{base}/{holiday[key]}/thumbnail" for key in ("sea", "sand"))
    for key in ("sea", "sand"):
        assert f'href="{base}/{holiday[key]}/thumbnail?size=full"' in page.text
        assert f'data-download="{base}/{holiday[key]}/download"' in page.text
    assert holiday["private"] not in page.text and "note.txt" not in page.text
    # What the gallery cannot show is listed below it.
    assert "clip.mp4" in page.text and 'id="lightbox"' in page.text

    small = visitor.get(f"{drive_url}{thumbs[0]}?size=photo")
    large = visitor.get(f"{drive_url}{thumbs[0]}?size=full")
    assert small.status_code == large.status_code == 200
    assert Image.open(io.BytesIO(small.content)).size == (480, 320)
    assert Image.open(io.BytesIO(large.content)).size == (900, 600), "lfit: never enlarged"
    download = visitor.get(f"{drive_url}{base}/{holiday['sand']}/download")
    assert download.status_code == 200 and download.content[:2] == b"\xff\xd8"
    assert visitor.get(f"{drive_url}/s/{share['share_id']}/files/{holiday['private']}/thumbnail").status_code == 404

    # Without downloads: the grid only, no large pictures.
    ShareLink.objects.filter(share_id=share["share_id"]).update(disable_download=True)
    page = visitor.get(f"{drive_url}/s/{share['share_id']}")
    assert "size=photo" in page.text and "size=full" not in page.text and 'id="lightbox"' not in page.text
    assert visitor.get(f"{drive_url}{thumbs[0]}?size=full").status_code == 403

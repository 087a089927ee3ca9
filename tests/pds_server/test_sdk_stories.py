"""The official SDK `alibabacloud-pds20220301`, unmodified, drives albums (PDS stories) on
the live embedded PDS: create, add three photos, get them back with the album's times and
cover, rename and choose the cover, find it by name and type, remove one, delete."""

from __future__ import annotations

import io

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from PIL import Image

from pds_server.models import File, Story
from pds_server.services.media.ingest import media_ingest
from tests.pds_server import media_files

GRID = "image/resize,m_lfit,w_480,h_480"


def sdk_for(live_server, api) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=api.token))


def photo_uploaded(api, name: str, taken: str, color: tuple[int, int, int]) -> str:
    """A JPEG with its capture time, uploaded and read by ingest (the worker's task body)."""
    file_id = api.upload(name, media_files.photo(size=(320, 240), taken=taken, offset="+00:00", color=color))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) == "done"
    return file_id


@pytest.fixture
def photos(alice) -> list[str]:
    return [
        photo_uploaded(alice, "beach.jpg", "2021:07:04 18:30:00", (200, 30, 30)),
        photo_uploaded(alice, "dunes.jpg", "2021:07:02 09:00:00", (30, 200, 30)),
        photo_uploaded(alice, "harbour.jpg", "2021:07:06 20:15:00", (30, 30, 200)),
    ]


def story_files_of(client: Client, drive_id: str, story_id: str) -> list[str]:
    story = client.get_story(m.GetStoryRequest(drive_id=drive_id, story_id=story_id)).body
    return [item.file_id for item in story.story_file_list]


def test_the_sdk_makes_fills_finds_changes_and_deletes_an_album(live_server, alice, photos):
    client, drive_id = sdk_for(live_server, alice), alice.drive_id
    beach, dunes, harbour = photos

    created = client.create_story(
        m.CreateStoryRequest(
            drive_id=drive_id,
            story_id="summer-2021",
            story_type="custom",
            story_name="Summer 2021",
            custom_labels={"trip": "coast"},
        )
    ).body
    assert created.drive_id == drive_id
    assert Story.objects.get(story_id="summer-2021").story_name == "Summer 2021"

    added = client.add_story_files(
        m.AddStoryFilesRequest(
            drive_id=drive_id,
            story_id="summer-2021",
            files=[m.AddStoryFilesRequestFiles(file_id=file_id) for file_id in (beach, dunes, harbour)],
        )
    ).body
    assert [(item.file_id, item.error_code) for item in added.files] == [(f, None) for f in photos]
    again = client.add_story_files(  # adding twice changes nothing
        m.AddStoryFilesRequest(
            drive_id=drive_id, story_id="summer-2021", files=[m.AddStoryFilesRequestFiles(file_id=dunes)]
        )
    ).body
    assert again.files[0].error_code is None

    story = client.get_story(
        m.GetStoryRequest(
            drive_id=drive_id, story_id="summer-2021", image_thumbnail_process=GRID, cover_image_thumbnail_process=GRID
        )
    ).body
    assert [item.file_id for item in story.story_file_list] == [beach, dunes, harbour], "in the order added"
    assert story.story_name == "Summer 2021" and story.story_type == "custom"
    assert story.custom_labels == {"trip": "coast"}
    # The span of its photos' capture times, since none was given.
    assert story.story_start_time.startswith("2021-07-02T09:00:00")
    assert story.story_end_time.startswith("2021-07-06T20:15:00")
    assert story.story_file_list[0].image_media_metadata is not None
    # No cover chosen: the first photo's thumbnail, a real picture at the size asked for.
    assert story.cover_file_id == beach
    cover = requests.get(story.cover_file_thumbnail_url, timeout=30)
    assert cover.status_code == 200
    assert max(Image.open(io.BytesIO(cover.content)).size) == 320  # lfit never enlarges
    assert story.story_file_list[1].thumbnail

    client.update_story(
        m.UpdateStoryRequest(
            drive_id=drive_id,
            story_id="summer-2021",
            story_name="Coast, July 2021",
            cover=m.UpdateStoryRequestCover(file_id=harbour),
        )
    )
    story = client.get_story(m.GetStoryRequest(drive_id=drive_id, story_id="summer-2021")).body
    assert story.story_name == "Coast, July 2021" and story.cover_file_id == harbour
    assert story.custom_labels == {"trip": "coast"}, "a field not sent stays"

    found = client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, story_name="july")).body
    assert [item.story_id for item in found.items] == ["summer-2021"] and found.next_marker == ""
    assert found.items[0].cover_file_id == harbour and found.items[0].cover_file_thumbnail_url
    by_type = client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, story_type="custom")).body
    assert [item.story_id for item in by_type.items] == ["summer-2021"]
    assert client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, story_type="TimeMemory")).body.items == []
    labelled = client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, custom_labels="trip=coast")).body
    assert len(labelled.items) == 1
    assert (
        client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, custom_labels="trip!=coast")).body.items == []
    )

    client.remove_story_files(
        m.RemoveStoryFilesRequest(
            drive_id=drive_id, story_id="summer-2021", files=[m.RemoveStoryFilesRequestFiles(file_id=dunes)]
        )
    )
    assert story_files_of(client, drive_id, "summer-2021") == [beach, harbour]
    assert File.objects.filter(file_id=dunes).exists(), "removed from the album, not from the drive"

    client.delete_story(m.DeleteStoryRequest(drive_id=drive_id, story_id="summer-2021"))
    assert not Story.objects.exists()
    with pytest.raises(Exception) as caught:
        client.get_story(m.GetStoryRequest(drive_id=drive_id, story_id="summer-2021"))
    assert getattr(caught.value, "statusCode", None) == 404
    assert File.objects.filter(file_id__in=photos).count() == 3


def test_find_stories_sorts_pages_and_leaves_out_empty_albums_unless_asked(live_server, alice, photos):
    client, drive_id = sdk_for(live_server, alice), alice.drive_id
    for story_id, name in (("b", "Beach"), ("a", "Alps"), ("c", "City"), ("empty", "Nothing yet")):
        client.create_story(
            m.CreateStoryRequest(drive_id=drive_id, story_id=story_id, story_type="custom", story_name=name)
        )
    for story_id, file_id in (("a", photos[1]), ("b", photos[0]), ("c", photos[2])):
        client.add_story_files(
            m.AddStoryFilesRequest(
                drive_id=drive_id, story_id=story_id, files=[m.AddStoryFilesRequestFiles(file_id=file_id)]
            )
        )

    def ids(**fields) -> tuple[list[str], str]:
        page = client.search_stories(m.SearchStoriesRequest(drive_id=drive_id, **fields)).body
        return [item.story_id for item in page.items], page.next_marker

    assert ids(sort="story_name", order="asc") == (["a", "b", "c"], "")
    assert ids(sort="StoryStartTime", order="desc")[0] == ["c", "b", "a"]  # by their photos' capture times
    assert ids(with_empty_stories=True, sort="story_name", order="asc")[0] == ["a", "b", "c", "empty"]
    first, marker = ids(sort="story_name", order="asc", limit=2)
    assert first == ["a", "b"] and marker
    assert ids(sort="story_name", order="asc", limit=2, marker=marker) == (["c"], "")
    span = m.SearchStoriesRequestStoryStartTimeRange(start="2021-07-03T00:00:00Z", end="2021-07-05T00:00:00Z")
    assert ids(story_start_time_range=span)[0] == ["b"]

    # A photo in the recycle bin is not shown (and its album counts as empty); back when restored.
    alice.ok("recyclebin/trash", {"file_id": photos[1]}, 204)
    assert story_files_of(client, drive_id, "a") == []
    assert "a" not in ids()[0]
    alice.ok("recyclebin/restore", {"file_id": photos[1]}, 204)
    assert story_files_of(client, drive_id, "a") == [photos[1]]
    # Deleted for good: it leaves the album.
    alice.ok("file/delete", {"file_id": photos[1]}, 204)
    assert story_files_of(client, drive_id, "a") == []
    assert Story.objects.get(story_id="a").entries.count() == 0

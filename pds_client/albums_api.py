"""Albums and places: PDS stories (`/v2/image/*_story*`), a drive's photos grouped by place
(`image/list_address_groups`), the photos of one place or of the whole drive by capture
time (`file/search`), and an album's share link (`share_link/create` with ext `story_id`).
Calls made with one caller's token; wire names follow the SDK `alibabacloud-pds20220301`."""

from __future__ import annotations

from typing import TypedDict, cast

from pds_client.client import JSON, CallerAPI

ALBUM_TYPE = "custom"  # a story a person made (the SDK's story_type for user albums)
PAGE_LIMIT = 100


# The Photos grid's thumbnail (a size made at ingest), asked for with the files it shows,
# so that a page of thumbnails costs no PDS call each (files/photos.py keeps the URLs).
GRID_PROCESS = "image/resize,m_lfit,w_480,h_480"
GRID_THUMBNAILS = {"grid": {"image_thumbnail_process": GRID_PROCESS, "video_thumbnail_process": GRID_PROCESS}}
STORY_FILES_PER_CALL = 100  # what image/add_story_files and remove_story_files take at once


class StoryFile(TypedDict, total=False):
    """A file of a story, as file/get answers it (the fields the pages read)."""

    drive_id: str
    file_id: str
    name: str
    category: str
    content_type: str
    revision_id: str
    image_time: str  # ext: RFC3339 capture time, when known
    image_media_metadata: JSON
    video_media_metadata: JSON


class Story(TypedDict, total=False):
    story_id: str
    story_name: str
    story_type: str
    story_sub_type: str
    story_start_time: str
    story_end_time: str
    created_at: str
    updated_at: str
    cover_file_id: str
    cover_file_thumbnail_url: str
    custom_labels: JSON
    file_count: int  # ext: find_stories' count (get_story has the list itself)
    story_file_list: list[StoryFile]


class StoryPage(TypedDict):
    items: list[Story]
    next_marker: str


class AddressDetail(TypedDict, total=False):
    country: str
    province: str
    city: str
    district: str
    township: str


class AddressGroup(TypedDict, total=False):
    name: str
    count: int
    cover_file_id: str
    cover_url: str
    location: str
    address_detail: AddressDetail


class AddressGroupPage(TypedDict):
    items: list[AddressGroup]
    next_marker: str


class FilePage(TypedDict):
    items: list[StoryFile]
    next_marker: str


def _page(answer: JSON) -> JSON:
    return {"items": list(answer.get("items") or []), "next_marker": str(answer.get("next_marker") or "")}


def quoted(value: str) -> str:
    """A string literal of the PDS query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class AlbumsAPI(CallerAPI):
    """Reads retry on transient faults; changes never retry blindly."""

    # --- stories ------------------------------------------------------------------------

    def create_story(self, drive_id: str, name: str) -> str:
        """A new, empty album; its story_id."""
        body = {"drive_id": drive_id, "story_type": ALBUM_TYPE, "story_name": name}
        return str(self._change("image/create_story", body)["story_id"])

    def get_story(self, drive_id: str, story_id: str) -> Story:
        """The album with its files, each with its grid thumbnail's URL (thumbnail_urls.grid)."""
        body = {"drive_id": drive_id, "story_id": story_id, "thumbnail_processes": GRID_THUMBNAILS}
        return cast(Story, self._read("image/get_story", body))

    def search_stories(self, drive_id: str, *, limit: int = PAGE_LIMIT, marker: str = "") -> StoryPage:
        """A page of the drive's albums (empty ones too), newest first."""
        body = {
            "drive_id": drive_id,
            "story_type": ALBUM_TYPE,
            "with_empty_stories": True,
            "sort": "created_at",
            "order": "desc",
            "limit": limit,
            "marker": marker,
        }
        # The SDK's SearchStories: its path is find_stories.
        return cast(StoryPage, _page(self._read("image/find_stories", body)))

    def update_story(
        self, drive_id: str, story_id: str, *, name: str | None = None, cover_file_id: str | None = None
    ) -> None:
        body: JSON = {"drive_id": drive_id, "story_id": story_id}
        if name is not None:
            body["story_name"] = name
        if cover_file_id is not None:
            body["cover"] = {"file_id": cover_file_id}
        self.client.call("image/update_story", body, token=self.token, idempotent=True)

    def delete_story(self, drive_id: str, story_id: str) -> None:
        self._change("image/delete_story", {"drive_id": drive_id, "story_id": story_id})

    def add_story_files(self, drive_id: str, story_id: str, file_ids: list[str]) -> JSON:
        """{files: [{file_id, error_code?, error_message?}]}: each file asked for, with why
        it was not added."""
        return self._story_files("image/add_story_files", drive_id, story_id, file_ids)

    def remove_story_files(self, drive_id: str, story_id: str, file_ids: list[str]) -> JSON:
        return self._story_files("image/remove_story_files", drive_id, story_id, file_ids)

    def _story_files(self, path: str, drive_id: str, story_id: str, file_ids: list[str]) -> JSON:
        """The PDS takes STORY_FILES_PER_CALL files a call: more go in several, answered as one."""
        answered: list = []
        for start in range(0, len(file_ids), STORY_FILES_PER_CALL):
            files = [
                {"drive_id": drive_id, "file_id": file_id} for file_id in file_ids[start : start + STORY_FILES_PER_CALL]
            ]
            body = {"drive_id": drive_id, "story_id": story_id, "files": files}
            reply = self.client.call(path, body, token=self.token, idempotent=True)
            answered.extend((reply or {}).get("files") or [])
        return {"files": answered}

    # --- places -------------------------------------------------------------------------

    def list_address_groups(self, drive_id: str, *, limit: int = PAGE_LIMIT, marker: str = "") -> AddressGroupPage:
        """A page of the drive's photos grouped by city, each with its count and cover."""
        body = {"drive_id": drive_id, "limit": limit, "marker": marker}
        return cast(AddressGroupPage, _page(self._read("image/list_address_groups", body)))

    # --- photos by capture time -----------------------------------------------------------

    def search_photos(self, drive_id: str, *, city: str = "", limit: int = PAGE_LIMIT, marker: str = "") -> FilePage:
        """A page of the drive's photos and videos, newest capture first; only those taken
        in `city` when given."""
        conditions = ["category in ['image', 'video']"]
        if city:
            conditions.append(f"city = {quoted(city)}")
        body = {
            "drive_id": drive_id,
            "query": " and ".join(conditions),
            "order_by": "image_time DESC",
            "thumbnail_processes": GRID_THUMBNAILS,
            "limit": limit,
            "marker": marker,
        }
        return cast(FilePage, _page(self._read("file/search", body)))

    # --- an album's share link ------------------------------------------------------------

    def share_story(
        self, drive_id: str, story_id: str, *, expiration: str = "", password: str = "", download_limit: int = 0
    ) -> JSON:
        """A new link to the album (ext `story_id`): it shows the album's files as they are."""
        body = {
            "drive_id": drive_id,
            "story_id": story_id,
            "expiration": expiration,
            "share_pwd": password,
            "download_limit": download_limit,
        }
        return self._change("share_link/create", body)

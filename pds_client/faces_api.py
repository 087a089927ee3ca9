"""People: the drive's face groups (`image/list_facegroups`), naming one
(`image/update_facegroup_info`), taking a photo out of one (`albums/unassign_facegroup_item`),
merging two (our extension `image/merge_facegroups`), and a person's photos by capture time
(`file/search` on `face_group_id`). Calls made with one caller's token; wire names follow the
SDK `alibabacloud-pds20220301` (FaceGroup, ListFacegroups, UpdateFacegroup, RemoveFaceGroupFile)."""

from __future__ import annotations

from typing import TypedDict, cast

from pds_client.albums_api import GRID_THUMBNAILS, FilePage
from pds_client.client import JSON, CallerAPI

PAGE_LIMIT = 100


class FaceBoundary(TypedDict):
    """The cover face's box, in pixels of the cover as displayed (group_cover_width/height)."""

    left: int
    top: int
    width: int
    height: int


class FaceGroup(TypedDict, total=False):
    group_id: str
    group_name: str
    remarks: str
    image_count: int
    group_cover_file_id: str
    group_cover_url: str
    group_cover_face_boundary: FaceBoundary
    group_cover_width: int
    group_cover_height: int
    created_at: str
    updated_at: str


class FaceGroupPage(TypedDict):
    items: list[FaceGroup]
    next_marker: str


def _number(value: object) -> int:
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def boundary_of(value: object) -> FaceBoundary | None:
    """The SDK's FaceGroupGroupCoverFaceBoundary reads `Left`, `Top`, `Width`, `Height`;
    either spelling is taken. None when there is no usable box."""
    if not isinstance(value, dict):
        return None
    found = {key.lower(): item for key, item in value.items() if isinstance(key, str)}
    box = FaceBoundary(
        left=_number(found.get("left")),
        top=_number(found.get("top")),
        width=_number(found.get("width")),
        height=_number(found.get("height")),
    )
    return box if box["width"] > 0 and box["height"] > 0 else None


def _group(item: JSON) -> FaceGroup:
    group = cast(FaceGroup, dict(item))
    box = boundary_of(item.get("group_cover_face_boundary"))
    if box:
        group["group_cover_face_boundary"] = box
    else:
        group.pop("group_cover_face_boundary", None)
    return group


def face_group_query(group_id: str) -> str:
    """The file/search condition of one person's photos and videos."""
    quoted = '"' + group_id.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"face_group_id = {quoted}"


class FacesAPI(CallerAPI):
    """Reads retry on transient faults; changes never retry blindly (a rename and a removal
    are idempotent, and say so)."""

    def list_facegroups(self, drive_id: str, *, limit: int = PAGE_LIMIT, marker: str = "") -> FaceGroupPage:
        """A page of the drive's people, each with its cover and photo count."""
        body = {"drive_id": drive_id, "limit": limit, "marker": marker}
        answer = self._read("image/list_facegroups", body)
        items = [_group(item) for item in answer.get("items") or [] if isinstance(item, dict)]
        return {"items": items, "next_marker": str(answer.get("next_marker") or "")}

    def update_facegroup(
        self, drive_id: str, group_id: str, *, name: str | None = None, remarks: str | None = None
    ) -> None:
        """Name a person (group_name) or change its remarks (the SDK's UpdateFacegroup)."""
        body: JSON = {"drive_id": drive_id, "group_id": group_id}
        if name is not None:
            body["group_name"] = name
        if remarks is not None:
            body["remarks"] = remarks
        self.client.call("image/update_facegroup_info", body, token=self.token, idempotent=True)

    def remove_face_group_file(self, drive_id: str, group_id: str, file_id: str) -> None:
        """Take a photo out of a person; it stays out (the SDK's RemoveFaceGroupFile)."""
        body = {"drive_id": drive_id, "face_group_id": group_id, "file_id": file_id}
        self.client.call("albums/unassign_facegroup_item", body, token=self.token, idempotent=True)

    def merge_facegroups(self, drive_id: str, group_id: str, from_group_ids: list[str]) -> JSON:
        """Our extension: the people `from_group_ids` become `group_id` (their photos join it,
        they go away). The answer is the group as it is now, when the server gives it."""
        body = {"drive_id": drive_id, "group_id": group_id, "from_group_ids": from_group_ids}
        return self._change("image/merge_facegroups", body)

    def search_face_photos(
        self, drive_id: str, group_id: str, *, limit: int = PAGE_LIMIT, marker: str = ""
    ) -> FilePage:
        """A page of the person's photos and videos, newest capture first, each with its grid
        thumbnail's URL (thumbnail_urls.grid)."""
        body = {
            "drive_id": drive_id,
            "query": face_group_query(group_id),
            "order_by": "image_time DESC",
            "thumbnail_processes": GRID_THUMBNAILS,
            "limit": min(limit, PAGE_LIMIT),
            "marker": marker,
        }
        answer = self._read("file/search", body)
        return {"items": list(answer.get("items") or []), "next_marker": str(answer.get("next_marker") or "")}

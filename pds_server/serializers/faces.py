"""People as the SDK's `FaceGroup` (alibabacloud_pds20220301 models/_face_group.py) and the
answers of the face group operations."""

from __future__ import annotations

from pds_server.models import FaceGroup
from pds_server.selectors.faces import Cover
from pds_server.serializers import iso_ms


def face_group_to_pds(group: FaceGroup, *, cover: Cover | None, cover_url: str) -> dict:
    """`group_cover_face_boundary`: the cover face's box in pixels of the cover photo as
    displayed (`group_cover_width` x `group_cover_height`), under the SDK's keys (Left, Top,
    Width, Height: FaceGroupGroupCoverFaceBoundary reads them capitalised) and, for our web
    UI, in lower case too. `group_cover_face_id` is ours (ext): what update_facegroup takes."""
    body: dict = {
        "group_id": group.group_id,
        "group_name": group.name,
        "remarks": group.remarks,
        "image_count": group.image_count,
        "group_cover_file_id": "",
        "group_cover_url": "",
        "created_at": iso_ms(group.created_at),
        "updated_at": iso_ms(group.updated_at),
    }
    if cover is not None:
        box = {"left": cover.left, "top": cover.top, "width": cover.box_width, "height": cover.box_height}
        body.update(
            group_cover_file_id=cover.file.file_id,
            group_cover_url=cover_url,
            group_cover_face_id=str(cover.face_pk),
            group_cover_width=cover.width,
            group_cover_height=cover.height,
            group_cover_face_boundary={**{key.capitalize(): value for key, value in box.items()}, **box},
        )
    return body


def face_group_ref_to_pds(group: FaceGroup) -> dict:
    """UpdateFacegroupResponseBody: drive_id, group_id."""
    return {"drive_id": group.drive.drive_id, "group_id": group.group_id}

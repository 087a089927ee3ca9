"""People (PDS face groups) as the SDK `alibabacloud-pds20220301` calls them:
ListFacegroups (/v2/image/list_facegroups), UpdateFacegroup (/v2/image/update_facegroup_info),
RemoveFaceGroupFile (/v2/albums/unassign_facegroup_item), and our merge
(/v2/image/merge_facegroups: drive_id, group_id, from_group_ids).

Who may: a drive's people are drawn from all of its photos, so reading them needs a role on
the whole drive that lists it, and changing them one that edits it (its owner, an
administrator, a team drive's editors), by services/access.py as every drive endpoint.
"""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import faces as face_selectors
from pds_server.selectors.files import file_get
from pds_server.serializers.faces import face_group_ref_to_pds, face_group_to_pds
from pds_server.services import downloads
from pds_server.services.access import Can, DriveGrant
from pds_server.services.analysis import face_groups
from pds_server.views.common import caller_grant

COVER_THUMBNAIL = "image/resize,m_lfit,w_480,h_480"  # the Photos grid's (services/thumbnails.py): not cropped
MAX_NAME = 128
MAX_REMARKS = 1024
MAX_MERGED = 100


def grant_for(caller: Caller, body: dict, need: Can) -> tuple[DriveGrant, frozenset[Can]]:
    """The drive named in the body, when the caller's role on the whole drive allows `need`."""
    grant = caller_grant(caller, body)
    return grant, grant.require(None, need)


def group_id_of(body: dict, field: str = "group_id") -> str:
    return parse_str(body, field, required=True, max_length=64)


@pds_endpoint("/v2/image/list_facegroups", scope="FILE.LIST", batchable=True)
def list_facegroups(request: HttpRequest, caller: Caller, body: dict):
    grant, can = grant_for(caller, body, Can.LIST)
    groups, next_marker, matching = face_selectors.face_groups_page(
        drive=grant.drive,
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
        remarks=parse_str(body, "remarks", max_length=MAX_REMARKS),
    )
    covers = face_selectors.covers_of(drive=grant.drive, groups=groups)
    process = parse_str(body, "image_thumbnail_process", max_length=256) or COVER_THUMBNAIL  # ext
    expire_sec = parse_int(body, "url_expire_sec", default=downloads.DEFAULT_EXPIRE_SEC, minimum=10)
    expire_sec = min(expire_sec or downloads.DEFAULT_EXPIRE_SEC, downloads.MAX_EXPIRE_SEC)
    items = []
    for group in groups:
        cover = covers.get(group.pk)
        url = ""
        if cover is not None and Can.PREVIEW in can:
            url = downloads.thumbnail_url(
                base_url=caller.base_url, item=cover.file, process=process, expire_sec=expire_sec
            )
        items.append(face_group_to_pds(group, cover=cover, cover_url=url))
    answer: dict = {"items": items, "next_marker": next_marker}
    if parse_bool(body.get("return_total_count"), "return_total_count"):
        answer["total_count"] = matching.count()
    return answer


@pds_endpoint("/v2/image/update_facegroup_info", scope="FILE.UPDATE")
def update_facegroup(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    group = face_selectors.face_group_get(drive=grant.drive, group_id=group_id_of(body))
    name, remarks = body.get("group_name"), body.get("remarks")
    if name is not None:  # "" clears the name
        name = parse_str(body, "group_name", max_length=MAX_NAME).strip()
    if remarks is not None:
        remarks = parse_str(body, "remarks", max_length=MAX_REMARKS)
    face_groups.face_group_update(
        group=group,
        name=name,
        remarks=remarks,
        cover_face_id=parse_str(body, "group_cover_face_id", max_length=32) or None,
    )
    return face_group_ref_to_pds(group)


@pds_endpoint("/v2/albums/unassign_facegroup_item", scope="FILE.UPDATE")
def remove_face_group_file(request: HttpRequest, caller: Caller, body: dict):
    """The file's photo leaves the person, for good (RemoveFaceGroupFile: no response body)."""
    grant, _ = grant_for(caller, body, Can.EDIT)
    group = face_selectors.face_group_get(drive=grant.drive, group_id=group_id_of(body, "face_group_id"))
    item = file_get(drive=grant.drive, file_id=parse_str(body, "file_id", required=True, max_length=50))
    face_groups.face_group_file_remove(drive=grant.drive, group=group, item=item)
    return {}


@pds_endpoint("/v2/image/merge_facegroups", scope="FILE.UPDATE")
def merge_facegroups(request: HttpRequest, caller: Caller, body: dict):
    """Ours (ext): the people `from_group_ids` are `group_id`'s person, who keeps its id."""
    grant, _ = grant_for(caller, body, Can.EDIT)
    group_id = group_id_of(body)
    from_group_ids = body.get("from_group_ids")
    if (
        not isinstance(from_group_ids, list)
        or not from_group_ids
        or len(from_group_ids) > MAX_MERGED
        or not all(isinstance(other, str) and 0 < len(other) <= 64 for other in from_group_ids)
    ):
        raise errors.InvalidParameter(
            f"from_group_ids must be a list of 1 to {MAX_MERGED} group ids", code="InvalidParameter.FromGroupIds"
        )
    group = face_groups.face_groups_merge(drive=grant.drive, group_id=group_id, from_group_ids=from_group_ids)
    return face_group_ref_to_pds(group)

"""The Revision of the official SDK (`alibabacloud_pds20220301.models.Revision`)."""

from __future__ import annotations

from pds_server.models import File, Revision
from pds_server.serializers import iso_ms
from pds_server.services import downloads


def revision_to_pds(
    revision: Revision,
    *,
    item: File,
    creator_names: dict[str, str],
    base_url: str,
    with_url: bool,
    url_expire_sec: int = downloads.DEFAULT_EXPIRE_SEC,
) -> dict:
    """`with_url`: signed URLs of its bytes (and of a thumbnail for images), which
    revision/get, update and restore give and revision/list gives only when asked for."""
    body = {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "revision_id": revision.revision_id,
        "revision_version": revision.version,
        "revision_name": revision.name,
        "revision_description": revision.description,
        "size": revision.size,
        "content_hash": revision.content_hash,
        "content_hash_name": revision.content_hash_name,
        "crc64_hash": revision.crc64_hash,
        "file_extension": revision.file_extension,
        "created_at": iso_ms(revision.created_at),
        "updated_at": iso_ms(revision.updated_at),
        "creator_id": revision.creator,
        "creator_name": creator_names.get(revision.creator, ""),
        "is_latest_version": revision.revision_id == item.revision_id,
        "keep_forever": revision.keep_forever,
    }
    if with_url and revision.blob_id:
        url, _ = downloads.download_url(base_url=base_url, item=item, expire_sec=url_expire_sec, revision=revision)
        body["url"] = body["download_url"] = url
        if item.category == "image":
            body["thumbnail"] = downloads.thumbnail_url(
                base_url=base_url, item=item, process=downloads.DEFAULT_THUMBNAIL, revision=revision
            )
    return body

"""PDS JSON shapes of the records (pds-api.md section 2)."""

from __future__ import annotations

from pds_server.api import epoch_ms, iso_ms
from pds_server.models import Drive, PdsUser


def user_to_pds(user: PdsUser) -> dict:
    return {
        "domain_id": user.domain.domain_id,
        "user_id": user.user_id,
        "user_name": user.user_name,
        "nick_name": user.nick_name,
        "avatar": user.avatar,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "status": user.status,
        "description": user.description,
        "default_drive_id": user.default_drive_id,
        "user_data": user.user_data or {},
        "creator": user.creator,
        "created_at": epoch_ms(user.created_at),
        "updated_at": epoch_ms(user.updated_at),
        "last_login_time": epoch_ms(user.last_login_time),
    }


def drive_to_pds(drive: Drive) -> dict:
    return {
        "domain_id": drive.domain.domain_id,
        "drive_id": drive.drive_id,
        "drive_name": drive.drive_name,
        "drive_type": drive.drive_type,
        "owner": drive.owner,
        "owner_type": drive.owner_type,
        "total_size": drive.total_size if drive.total_size is not None else -1,
        "used_size": drive.used_size,
        "status": drive.status,
        "description": drive.description,
        "creator": drive.creator,
        "created_at": iso_ms(drive.created_at),
        "updated_at": iso_ms(drive.updated_at),
    }


def file_to_pds(item, *, request=None, fields: str = "", thumbnail_processes: dict | None = None, url_expire_sec: int = 900) -> dict:
    """A File as pds-api.md section 3 describes it. Signed URLs only when asked for."""
    from pds_server.services import downloads

    body = {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "parent_file_id": item.parent_file_id,
        "name": item.name,
        "type": item.type,
        "status": item.status,
        "size": item.size,
        "content_type": item.content_type,
        "category": item.category,
        "file_extension": item.file_extension,
        "content_hash": item.content_hash,
        "content_hash_name": item.content_hash_name,
        "crc64_hash": item.crc64_hash,
        "revision_id": item.revision_id,
        "created_at": iso_ms(item.created_at),
        "updated_at": iso_ms(item.updated_at),
        "trashed": item.trashed,
        "trashed_at": iso_ms(item.trashed_at) if item.trashed_at else None,
        "starred": item.starred,
        "hidden": item.hidden,
        "description": item.description,
        "user_tags": item.user_tags or {},
        "creator_id": item.creator,
        "local_created_at": item.local_created_at,
        "local_modified_at": item.local_modified_at,
    }
    wanted = {field.strip() for field in (fields or "").split(",")}
    is_file = item.type == "file" and item.status == "available" and item.blob_id
    if is_file and ("*" in wanted or "url" in wanted or "download_url" in wanted):
        url, _ = downloads.download_url(request, item=item, expire_sec=url_expire_sec)
        body["url"] = body["download_url"] = url
    if is_file and item.category == "image":
        if thumbnail_processes:
            body["thumbnail_urls"] = {
                key: downloads.thumbnail_url(request, item=item, process=(spec or {}).get("image_thumbnail_process", downloads.DEFAULT_THUMBNAIL))
                for key, spec in list(thumbnail_processes.items())[:5]
                if isinstance(spec, dict)
            }
        if "*" in wanted or "thumbnail" in wanted:
            body["thumbnail"] = downloads.thumbnail_url(request, item=item, process=downloads.DEFAULT_THUMBNAIL)
    return body

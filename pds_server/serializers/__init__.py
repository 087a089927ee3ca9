"""Every PDS JSON shape the embedded server answers (pds-api.md sections 1-3), and the
time formats of section 1. Views build their answers here and nowhere else."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from pds_server.models import AccessToken, AsyncTask, Domain, Drive, File, PdsUser, ShareLink, Upload, UploadPart
from pds_server.serializers.media import file_media_to_pds
from pds_server.services import downloads
from pds_server.services.tokens import IssuedTokens
from pds_server.services.uploads import FileCreated, PartUrl
from pds_server.times import iso_ms

# --- Time formats of pds-api.md section 1 (iso_ms: pds_server/times.py) -----------------


def epoch_ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def expire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_to_pds(items: list[dict], next_marker: str) -> dict:
    return {"items": items, "next_marker": next_marker}


# --- Users, drives, tokens ----------------------------------------------------------------------


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
        # Held for uploads in progress (released at complete, cancel or expiry); not in used_size.
        "reserved_size": drive.reserved_size,
        "status": drive.status,
        "description": drive.description,
        "creator": drive.creator,
        "created_at": iso_ms(drive.created_at),
        "updated_at": iso_ms(drive.updated_at),
    }


def token_to_pds(issued: IssuedTokens) -> dict:
    """The Token of pds-api.md section 2."""
    token: AccessToken = issued.access_token
    user = token.user
    body = {
        "access_token": issued.access_token_value,
        "token_type": "Bearer",
        "expires_in": max(0, int((token.expires_at - timezone.now()).total_seconds())),
        "expire_time": expire_time(token.expires_at),
        "scope": " ".join(token.scopes),
        "domain_id": token.domain.domain_id,
        "user_id": user.user_id if user else token.domain.domain_id,
        "user_name": user.user_name if user else "",
        "nick_name": user.nick_name if user else "",
        "avatar": user.avatar if user else "",
        "role": user.role if user else PdsUser.Role.SUPERADMIN,
        "status": user.status if user else PdsUser.Status.ENABLED,
        "default_drive_id": user.default_drive_id if user else "",
        "is_first_login": False,
        "need_link": False,
    }
    if issued.refresh_token_value:
        body["refresh_token"] = issued.refresh_token_value
    return body


# --- Files ---------------------------------------------------------------------------------------


def file_to_pds(
    item: File, *, base_url: str, fields: str = "", thumbnail_processes: dict | None = None, url_expire_sec: int = 900
) -> dict:
    """A File as pds-api.md section 3 describes it. Signed URLs only when asked for."""
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
        **file_media_to_pds(item),  # a photo's or video's metadata (serializers/media.py)
    }
    wanted = {field.strip() for field in (fields or "").split(",")}
    is_file = item.type == "file" and item.status == "available" and item.blob_id
    if is_file and ("*" in wanted or "url" in wanted or "download_url" in wanted):
        url, _ = downloads.download_url(base_url=base_url, item=item, expire_sec=url_expire_sec)
        body["url"] = body["download_url"] = url
    # A video's thumbnails are drawn from its poster, once ingest has made one.
    is_video = item.category == "video" and item.media_id is not None and bool(item.media and item.media.poster_name)
    if is_file and (item.category == "image" or is_video):
        process_key = "video_thumbnail_process" if is_video else "image_thumbnail_process"
        if thumbnail_processes:
            body["thumbnail_urls"] = {
                key: downloads.thumbnail_url(
                    base_url=base_url,
                    item=item,
                    process=(spec or {}).get(process_key)
                    or (spec or {}).get("image_thumbnail_process", downloads.DEFAULT_THUMBNAIL),
                )
                for key, spec in list(thumbnail_processes.items())[:5]
                if isinstance(spec, dict)
            }
        if "*" in wanted or "thumbnail" in wanted:
            body["thumbnail"] = downloads.thumbnail_url(
                base_url=base_url, item=item, process=downloads.DEFAULT_THUMBNAIL
            )
    return body


def part_urls_to_pds(urls: list[PartUrl]) -> list[dict]:
    return [
        {"part_number": part.part_number, "upload_url": part.url, "internal_upload_url": part.url, "content_type": ""}
        for part in urls
    ]


def file_created_to_pds(created: FileCreated, *, part_urls: list[PartUrl] | None = None) -> dict:
    """The answer of `file/create` (a file or a folder)."""
    item, upload = created.item, created.upload
    return {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "file_name": item.name,
        "parent_file_id": item.parent_file_id,
        "type": item.type,
        "status": item.status,
        "upload_id": upload.upload_id if upload else "",
        "revision_id": upload.revision_id if upload else item.revision_id,
        "rapid_upload": created.rapid,
        "exist": created.exist,
        "location": "",
        "part_info_list": part_urls_to_pds(part_urls or []),
    }


def folder_created_to_pds(folder: File, *, existed: bool) -> dict:
    return {
        "domain_id": folder.drive.domain.domain_id,
        "drive_id": folder.drive.drive_id,
        "file_id": folder.file_id,
        "file_name": folder.name,
        "parent_file_id": folder.parent_file_id,
        "type": "folder",
        "status": folder.status,
        "exist": existed,
        "upload_id": "",
        "rapid_upload": False,
    }


def upload_urls_to_pds(upload: Upload, *, domain: Domain, part_urls: list[PartUrl]) -> dict:
    return {
        "domain_id": domain.domain_id,
        "drive_id": upload.file.drive.drive_id,
        "file_id": upload.file.file_id,
        "upload_id": upload.upload_id,
        "create_at": iso_ms(upload.created_at),
        "part_info_list": part_urls_to_pds(part_urls),
    }


def uploaded_parts_to_pds(upload: Upload, parts: list[UploadPart], next_marker: int) -> dict:
    return {
        "file_id": upload.file.file_id,
        "upload_id": upload.upload_id,
        "parallel_upload": False,
        "uploaded_parts": [
            {"part_number": part.part_number, "part_size": part.size, "etag": part.etag} for part in parts
        ],
        "next_part_number_marker": str(next_marker) if next_marker else "",
    }


def download_url_to_pds(item: File, *, url: str, expires: int) -> dict:
    return {
        "url": url,
        "internal_url": url,
        "cdn_url": "",
        "method": "GET",
        "expiration": iso_ms(datetime.fromtimestamp(expires, tz=UTC)),
        "size": item.size,
        "content_hash": item.content_hash,
        "content_hash_name": item.content_hash_name,
        "crc64_hash": item.crc64_hash,
    }


def file_moved_to_pds(item: File, *, existed: bool) -> dict:
    return {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "async_task_id": "",
        "exist": existed,
    }


def file_job_to_pds(*, drive: Drive, file_id: str = "", async_task_id: str = "") -> dict:
    """What copy, trash, restore and delete answer: the file, or the task doing the work."""
    return {
        "domain_id": drive.domain.domain_id,
        "drive_id": drive.drive_id,
        "file_id": file_id,
        "async_task_id": async_task_id,
    }


def recyclebin_cleared_to_pds(drive: Drive, task: AsyncTask) -> dict:
    return {"domain_id": drive.domain.domain_id, "drive_id": drive.drive_id, "async_task_id": task.async_task_id}


def async_task_to_pds(task: AsyncTask) -> dict:
    return {
        "async_task_id": task.async_task_id,
        "state": task.state,
        "status": task.state,
        "error_code": task.error_code,
        "error_message": task.error_message,
        "total_process": task.total_process,
        "consumed_process": task.consumed_process,
        "url": "",
        **task.result,
    }


# --- Share links --------------------------------------------------------------------------------

PUBLIC_SHARE_FIELDS = (
    "share_id",
    "share_name",
    "expiration",
    "expired",
    "has_pwd",
    "disable_download",
    "disable_preview",
    "disable_save",
    "download_count",
    "preview_count",
    "save_count",
    "download_limit",
    "preview_limit",
    "save_limit",
    "access_count",
    "updated_at",
    "story_id",  # ext: the share page shows an album's link as a gallery
)


def share_to_pds(share: ShareLink, *, for_owner: bool = True) -> dict:
    expired = share.expiration is not None and share.expiration <= timezone.now()
    body = {
        "share_id": share.share_id,
        "share_name": share.share_name,
        "description": share.description,
        "drive_id": share.drive.drive_id,
        "domain_id": share.drive.domain.domain_id,
        "file_id_list": share.file_ids,
        "parent_file_id": share.parent_file_id,
        "story_id": share.story_id,  # ext: an album's link (then file_id_list is empty)
        "creator": share.creator,
        "expiration": iso_ms(share.expiration),
        "expired": expired,
        "status": "disabled" if share.cancelled_at else share.status,
        "has_pwd": bool(share.password),
        "disable_download": share.disable_download,
        "disable_preview": share.disable_preview,
        "disable_save": share.disable_save,
        "download_limit": share.download_limit,
        "preview_limit": share.preview_limit,
        "save_limit": share.save_limit,
        "download_count": share.download_count,
        "preview_count": share.preview_count,
        "save_count": share.save_count,
        "access_count": share.access_count,
        "created_at": iso_ms(share.created_at),
        "updated_at": iso_ms(share.updated_at),
    }
    if not for_owner:
        creator = share.creator
        body = {key: body[key] for key in PUBLIC_SHARE_FIELDS}
        body["creator_id"] = creator
        body["creator_name"] = share_creator_name(share)
    return body


def share_creator_name(share: ShareLink) -> str:
    """The name a visitor sees: the creator's display name (nick name), chosen to be shown to
    others; without one, the user id masked, as the PDS cloud masks it."""
    nick_name = (
        PdsUser.objects.filter(domain=share.drive.domain, user_id=share.creator)
        .values_list("nick_name", flat=True)
        .first()
    )
    if nick_name:
        return nick_name
    creator = share.creator
    return (creator[:1] + "***" + creator[-1:]) if len(creator) > 2 else "***"


def share_token_to_pds(token: str, lifetime: int) -> dict:
    return {"share_token": token, "expires_in": lifetime, "expire_time": ""}

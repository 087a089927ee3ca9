"""Signed GET URLs for a file's bytes and for its thumbnails."""

from __future__ import annotations

from pds_server import errors, signing
from pds_server.models import File

CONTENT_PATH = "/v2/file/content"
THUMBNAIL_PATH = "/v2/file/thumbnail"
MAX_EXPIRE_SEC = 115200
DEFAULT_EXPIRE_SEC = 900
DEFAULT_THUMBNAIL = "image/resize,m_fill,h_128,w_128,limit_0"
CONTENT_PARAMS = ("file_id", "sha1", "name", "ctype")
THUMBNAIL_PARAMS = ("sha1", "process")


def download_url(
    *, base_url: str, item: File, expire_sec: int, file_name: str = "", response_content_type: str = ""
) -> tuple[str, int]:
    """The signed URL and its expiry (epoch seconds)."""
    params = {
        "file_id": item.file_id,
        "sha1": item.content_hash,
        "name": file_name or item.name,
        "ctype": response_content_type,
    }
    return signing.signed_url(base_url, "GET", CONTENT_PATH, params, expire_sec)


def thumbnail_url(*, base_url: str, item: File, process: str, expire_sec: int = DEFAULT_EXPIRE_SEC) -> str:
    params = {"sha1": item.content_hash, "process": process or DEFAULT_THUMBNAIL}
    url, _ = signing.signed_url(base_url, "GET", THUMBNAIL_PATH, params, expire_sec)
    return url


def signed_file(params: dict[str, str]) -> File:
    """The file a verified content URL names, if it still holds the signed content."""
    item = (
        File.objects.select_related("blob")
        .filter(file_id=params.get("file_id", ""), status=File.Status.AVAILABLE)
        .first()
    )
    if item is None or item.blob is None or item.blob.sha1 != params.get("sha1"):
        raise errors.NotFound("File")
    return item

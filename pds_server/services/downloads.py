"""Signed GET URLs for a file's bytes (its latest content, or one revision's) and for its
thumbnails."""

from __future__ import annotations

from pds_server import errors, signing
from pds_server.models import File, Revision

CONTENT_PATH = "/v2/file/content"
THUMBNAIL_PATH = "/v2/file/thumbnail"
MAX_EXPIRE_SEC = 115200
DEFAULT_EXPIRE_SEC = 900
DEFAULT_THUMBNAIL = "image/resize,m_fill,h_128,w_128,limit_0"
CONTENT_PARAMS = ("file_id", "sha1", "name", "ctype", "revision_id")
THUMBNAIL_PARAMS = ("sha1", "process")


def download_url(
    *,
    base_url: str,
    item: File,
    expire_sec: int,
    file_name: str = "",
    response_content_type: str = "",
    revision: Revision | None = None,
) -> tuple[str, int]:
    """The signed URL and its expiry (epoch seconds): of the file's latest content, or of
    `revision`'s (valid for as long as that revision exists)."""
    params = {
        "file_id": item.file_id,
        "sha1": revision.content_hash if revision else item.content_hash,
        "name": file_name or (revision.name if revision else item.name),
        "ctype": response_content_type,
    }
    if revision is not None:
        params["revision_id"] = revision.revision_id
    return signing.signed_url(base_url, "GET", CONTENT_PATH, params, expire_sec)


def thumbnail_url(
    *, base_url: str, item: File, process: str, expire_sec: int = DEFAULT_EXPIRE_SEC, revision: Revision | None = None
) -> str:
    params = {"sha1": revision.content_hash if revision else item.content_hash, "process": process or DEFAULT_THUMBNAIL}
    url, _ = signing.signed_url(base_url, "GET", THUMBNAIL_PATH, params, expire_sec)
    return url


def signed_file(params: dict[str, str]) -> File:
    """The file a verified content URL names, if it still holds the signed content: its
    latest, or, when the URL names a revision, that revision's (the returned row then
    carries the revision's blob and content type; it is never saved)."""
    item = (
        File.objects.select_related("blob")
        .filter(file_id=params.get("file_id", ""), status=File.Status.AVAILABLE)
        .first()
    )
    if item is not None and params.get("revision_id"):
        revision = Revision.objects.select_related("blob").filter(file=item, revision_id=params["revision_id"]).first()
        if revision is None:
            raise errors.NotFound("File")
        item.blob, item.content_type = revision.blob, revision.content_type
    if item is None or item.blob is None or item.blob.sha1 != params.get("sha1"):
        raise errors.NotFound("File")
    return item

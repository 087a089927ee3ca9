"""Signed GET URLs for a file's bytes (its latest content, or one revision's) and for its
thumbnails."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings

from pds_server import errors, signing
from pds_server.models import Blob, File, MediaInfo, Revision
from pds_server.storage import blob_store

CONTENT_PATH = "/v2/file/content"
THUMBNAIL_PATH = "/v2/file/thumbnail"
MAX_EXPIRE_SEC = 115200
DEFAULT_EXPIRE_SEC = 900
DEFAULT_THUMBNAIL = "image/resize,m_fill,h_128,w_128,limit_0"
CONTENT_PARAMS = ("file_id", "sha1", "name", "ctype", "revision_id", "rendition")
# A blob name handed to a trusted app for nginx: path segments of these characters, none of them "." or "..".
BLOB_NAME = re.compile(r"^(?!.*(^|/)\.{1,2}(/|$))[0-9A-Za-z_.-]+(/[0-9A-Za-z_.-]+)*$")
THUMBNAIL_PARAMS = ("sha1", "process")


def download_url(
    *,
    base_url: str,
    item: File,
    expire_sec: int,
    file_name: str = "",
    response_content_type: str = "",
    revision: Revision | None = None,
    rendition: bool = False,
) -> tuple[str, int]:
    """The signed URL and its expiry (epoch seconds): of the file's latest content, or of
    `revision`'s (valid for as long as that revision exists), or of the browser-playable
    rendition of the latest content (a video's: services/media/videos.py)."""
    params = {
        "file_id": item.file_id,
        "sha1": revision.content_hash if revision else item.content_hash,
        "name": file_name or (revision.name if revision else item.name),
        "ctype": response_content_type,
    }
    if revision is not None:
        params["revision_id"] = revision.revision_id
    if rendition:
        params["rendition"] = "1"
    return signing.signed_url(base_url, "GET", CONTENT_PATH, params, expire_sec)


def blob_location(*, item: File, app_id: str) -> str:
    """Where nginx finds the file's latest content (PDS_XACCEL_BLOB_LOCATION + its blob's
    name), for an app of PDS_XACCEL_TRUSTED_APP_IDS only: the drive app behind the same
    nginx then answers X-Accel-Redirect to it itself, and the signed URL's request (and its
    second check) is not made. "" for any other app, for blobs not on local disk, and for a
    name that is not a plain relative path."""
    location = settings.PDS_XACCEL_BLOB_LOCATION
    if not location or not app_id or app_id not in settings.PDS_XACCEL_TRUSTED_APP_IDS or item.blob is None:
        return ""
    name = item.blob.storage_name
    if item.blob.sha1 != item.content_hash or not BLOB_NAME.fullmatch(name) or not blob_store().local_path(name):
        return ""
    return location.rstrip("/") + "/" + quote(name)


def thumbnail_url(
    *, base_url: str, item: File, process: str, expire_sec: int = DEFAULT_EXPIRE_SEC, revision: Revision | None = None
) -> str:
    params = {"sha1": revision.content_hash if revision else item.content_hash, "process": process or DEFAULT_THUMBNAIL}
    url, _ = signing.signed_url(base_url, "GET", THUMBNAIL_PATH, params, expire_sec)
    return url


def signed_file(params: dict[str, str]) -> File:
    """The file a verified content URL names, if it still holds the signed content: its
    latest, or, when the URL names a revision, that revision's (the returned row then
    carries the revision's blob and content type; it is never saved). A rendition's URL
    serves its video's rendition the same way."""
    # file_id is unique: a slice, not .first(), whose ORDER BY costs more to build than the query.
    found = File.objects.select_related("blob").filter(file_id=params.get("file_id", ""), status=File.Status.AVAILABLE)
    item = next(iter(found[:1]), None)
    if item is not None and params.get("revision_id"):
        revision = Revision.objects.select_related("blob").filter(file=item, revision_id=params["revision_id"]).first()
        if revision is None:
            raise errors.NotFound("File")
        item.blob, item.content_type = revision.blob, revision.content_type
    if item is None or item.blob is None or item.blob.sha1 != params.get("sha1"):
        raise errors.NotFound("File")
    if params.get("rendition"):
        item.blob, item.content_type = rendition_blob(item.blob), "video/mp4"
    return item


def rendition_blob(blob: Blob) -> Blob:
    """What a rendition's URL serves: an unsaved Blob standing for the video's finished
    rendition (services/media/video_rendition.py), with its own ETag; else NotFound."""
    media = MediaInfo.objects.filter(blob=blob, rendition_state=MediaInfo.RenditionState.FINISHED).first()
    if media is None or not media.rendition_name:
        raise errors.NotFound("File")
    return Blob(
        sha1=f"{blob.sha1}-mp4",
        size=media.rendition_size or 0,
        storage_name=media.rendition_name,
        created_at=media.analysed_at or blob.created_at,
    )

"""Signed GET URLs for a file's bytes (its latest content, or one revision's) and for its
thumbnails."""

from __future__ import annotations

from pds_server import errors, signing
from pds_server.models import Blob, File, MediaInfo, Revision

CONTENT_PATH = "/v2/file/content"
THUMBNAIL_PATH = "/v2/file/thumbnail"
MAX_EXPIRE_SEC = 115200
DEFAULT_EXPIRE_SEC = 900
DEFAULT_THUMBNAIL = "image/resize,m_fill,h_128,w_128,limit_0"
CONTENT_PARAMS = ("file_id", "sha1", "name", "ctype", "revision_id", "rendition")
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

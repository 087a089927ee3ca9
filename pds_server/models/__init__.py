"""Records of the embedded PDS, split by concept: the directory (domains, apps, users,
drives), OAuth grants, and content (files, blobs, uploads, tasks, share links)."""

from pds_server.models.content import LISTED, AsyncTask, Blob, File, ShareLink, Thumbnail, Upload, UploadPart
from pds_server.models.directory import App, Domain, Drive, PdsUser
from pds_server.models.grants import AccessToken, AuthorizationCode, Consent, RefreshToken, UsedAssertion

__all__ = [
    "LISTED",
    "AccessToken",
    "App",
    "AsyncTask",
    "AuthorizationCode",
    "Blob",
    "Consent",
    "Domain",
    "Drive",
    "File",
    "PdsUser",
    "RefreshToken",
    "ShareLink",
    "Thumbnail",
    "UsedAssertion",
    "Upload",
    "UploadPart",
]

"""Records of the embedded PDS, split by concept: the directory (domains, apps, users,
drives), OAuth grants, and content (files, revisions, blobs, uploads, tasks, share links),
people (groups, permissions) and the audit log."""

from pds_server.models.accesskeys import AccessKey, AccessKeyNonce
from pds_server.models.analysis import (
    AnalysisTerm,
    DetectedFace,
    FaceGroup,
    ImageAnalysis,
    ImageTag,
    PersonFace,
    SimilarImageCluster,
)
from pds_server.models.audit import AuditLog
from pds_server.models.content import (
    LISTED,
    AsyncTask,
    Blob,
    File,
    Revision,
    ShareLink,
    Thumbnail,
    Upload,
    UploadPart,
)
from pds_server.models.directory import App, Domain, Drive, PdsUser
from pds_server.models.federation import FederatedIdentity, FederationProvider, FederationState  # noqa: F401
from pds_server.models.grants import AccessToken, AuthorizationCode, Consent, RefreshToken, UsedAssertion
from pds_server.models.media import MediaInfo, Story, StoryFile
from pds_server.models.people import FilePermission, Group, GroupMember
from pds_server.models.signin_methods import LdapSignin, PasswordSignin, PhoneCode, PhoneSignin

__all__ = [
    "AccessKey",
    "AccessKeyNonce",
    "AnalysisTerm",
    "DetectedFace",
    "FaceGroup",
    "ImageAnalysis",
    "ImageTag",
    "PersonFace",
    "SimilarImageCluster",
    "LISTED",
    "AccessToken",
    "App",
    "AsyncTask",
    "AuditLog",
    "AuthorizationCode",
    "Blob",
    "Consent",
    "Domain",
    "Drive",
    "File",
    "FilePermission",
    "Group",
    "GroupMember",
    "LdapSignin",
    "PasswordSignin",
    "PhoneCode",
    "PhoneSignin",
    "MediaInfo",
    "PdsUser",
    "RefreshToken",
    "Revision",
    "ShareLink",
    "Story",
    "StoryFile",
    "Thumbnail",
    "UsedAssertion",
    "Upload",
    "UploadPart",
]

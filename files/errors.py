"""The drive app's own errors, and the one table that says what each error the pages and
the upload API can meet means for the person: an HTTP status and a message."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from accounts.errors import CredentialDead, PdsUnavailable
from pds_client import errors as pds_errors


class DriveError(Exception):
    """Something the drive app refuses itself. `code` follows the PDS's error families, so
    the upload API answers in one vocabulary whichever side refused."""

    status = 400
    code = "InvalidParameter"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DriveError):
    """A request whose fields do not parse (a form's errors)."""


class NotFound(DriveError):
    status = 404
    code = "NotFound.File"


class NameTaken(DriveError):
    status = 409
    code = "AlreadyExist.File"


class NotAFile(DriveError):
    """Asked for a file's bytes, given a folder."""

    code = "InvalidParameter.FileId"


class ZipTooLarge(DriveError):
    code = "InvalidParameter.Zip"


class PartLengthRequired(DriveError):
    status = 411
    code = "InvalidParameter.ContentLength"


class PartCutShort(DriveError):
    code = "InvalidParameter.ContentLength"


class ShareFieldInvalid(DriveError):
    """A share setting that cannot be used; `code` names the field, for the dialog to show
    the message next to it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.code = f"InvalidParameter.{field}"


class ShareLimitReached(DriveError):
    status = 403
    code = "ForbiddenShareLimitReached"


class ShareDownloadDisabled(DriveError):
    status = 403
    code = "ForbiddenShareDownloadDisabled"


class AccessChangeRefused(DriveError):
    """Someone without the right to manage an item's roles tried to give or take one."""

    status = 403
    code = "ForbiddenNoPermission.File"


class AlbumChangeRefused(DriveError):
    """Someone whose role in a drive does not let them change its albums tried to (files/albums.py)."""

    status = 403
    code = "ForbiddenNoPermission.Story"


class Kind(enum.Enum):
    SIGNED_OUT = "signed_out"  # sign in again
    UNAVAILABLE = "unavailable"  # nothing changed; try again later
    NOT_FOUND = "not_found"  # no such item, or not theirs to see
    REFUSED = "refused"  # about what they asked: shown next to it
    FAILED = "failed"  # the PDS refused for another reason


class Rule(NamedTuple):
    """A row of the table: errors of `error_type` (and, when given, of exactly `code`) mean
    `kind`. A status of None means the error's own, when it is a 4xx (else 502); a message,
    when given, replaces the error's own."""

    error_type: type[Exception]
    status: int | None
    kind: Kind
    code: str = ""
    message: str = ""


STORAGE_FULL_MESSAGE = (
    "The server's storage is full, so the file was not saved. Upload it again once an administrator has made room."
)
NO_PERMISSION_MESSAGE = "Your role on this folder doesn't allow that."

# Most specific first.
ERRORS: tuple[Rule, ...] = (
    Rule(CredentialDead, 401, Kind.SIGNED_OUT),
    # 507 from the PDS: final until someone frees space, so never retried as "unavailable".
    Rule(pds_errors.PDSError, 507, Kind.REFUSED, code="StorageFull", message=STORAGE_FULL_MESSAGE),
    Rule(PdsUnavailable, 503, Kind.UNAVAILABLE),
    Rule(pds_errors.ServiceUnavailable, 503, Kind.UNAVAILABLE),
    Rule(NotFound, 404, Kind.NOT_FOUND),
    # Sharing with people: the person or group named is gone (the share dialog shows it).
    Rule(pds_errors.NotFound, 404, Kind.REFUSED, code="NotFound.User", message="That person is no longer here."),
    Rule(pds_errors.NotFound, 404, Kind.REFUSED, code="NotFound.Group", message="That group no longer exists."),
    # A file's versions (files/versions.py).
    Rule(pds_errors.NotFound, 404, Kind.NOT_FOUND, code="NotFound.Revision", message="That version no longer exists."),
    # Albums (files/albums.py).
    Rule(pds_errors.NotFound, 404, Kind.NOT_FOUND, code="NotFound.Story", message="That album no longer exists."),
    # People in photos (files/people_photos.py): merged away, or emptied, in another tab.
    Rule(
        pds_errors.NotFound,
        404,
        Kind.NOT_FOUND,
        code="NotFound.FaceGroup",
        message="That person is not in your photos any more.",
    ),
    Rule(pds_errors.NotFound, 404, Kind.NOT_FOUND),
    Rule(
        pds_errors.InvalidParameter,
        None,
        Kind.REFUSED,
        code="InvalidParameter.KeepForeverLimitExceeded",
        message="At most 50 versions of a file can be kept forever: stop keeping another one first.",
    ),
    Rule(
        pds_errors.InvalidParameter,
        None,
        Kind.REFUSED,
        code="InvalidParameter.LatestRevision",
        message="The current version cannot be deleted: restore another version first, or move the file to the trash.",
    ),
    Rule(DriveError, None, Kind.REFUSED),
    Rule(pds_errors.InvalidParameter, None, Kind.REFUSED),
    Rule(pds_errors.AlreadyExist, None, Kind.REFUSED),
    Rule(pds_errors.QuotaExhausted, None, Kind.REFUSED),
    # A role on a shared folder or a team drive that does not allow the change (a viewer's).
    Rule(pds_errors.Forbidden, 403, Kind.REFUSED, code="ForbiddenNoPermission.File", message=NO_PERMISSION_MESSAGE),
    Rule(pds_errors.Forbidden, None, Kind.REFUSED),
    Rule(pds_errors.PDSError, None, Kind.FAILED),
)
UNAVAILABLE_MESSAGE = "The drive service is unavailable."

HANDLED: tuple[type[Exception], ...] = tuple(rule.error_type for rule in ERRORS)
# Errors about what the person asked for, which a form shows next to the request.
ABOUT_THE_REQUEST: tuple[type[Exception], ...] = tuple(
    rule.error_type for rule in ERRORS if rule.kind in (Kind.NOT_FOUND, Kind.REFUSED) and not rule.code
)


@dataclass(frozen=True)
class Problem:
    kind: Kind
    status: int
    message: str
    code: str = ""
    request_id: str = ""


def problem_for(error: Exception) -> Problem | None:
    """What `error` means for the person, or None when it is not one the table knows."""
    for rule in ERRORS:
        if not isinstance(error, rule.error_type) or (rule.code and getattr(error, "code", "") != rule.code):
            continue
        kind, status = rule.kind, rule.status
        own_status = getattr(error, "status", None)
        if status is None:
            status = own_status if own_status and 400 <= own_status < 500 else 502
        if kind is Kind.UNAVAILABLE:
            return Problem(kind, status, UNAVAILABLE_MESSAGE)
        if isinstance(error, pds_errors.PDSError):
            return Problem(kind, status, rule.message or error.message, error.code, error.request_id)
        if isinstance(error, DriveError):
            return Problem(kind, status, error.message, error.code)
        return Problem(kind, status, str(error))
    return None


def message_of(error: Exception) -> str:
    """The message to show for an error of the table."""
    problem = problem_for(error)
    return problem.message if problem else str(error)

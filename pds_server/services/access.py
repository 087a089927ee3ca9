"""Who may act on which drive: the one rule, used by every endpoint that names a drive.

A user acts on the drives they own; a domain administrator (or a service token) on every
drive of the domain. A drive the caller may not reach is a 404 `NotFound.Drive`, the same
answer as for a drive that does not exist. A disabled drive is locked for its files and,
except to administrators managing it, for everything else too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from pds_server import errors
from pds_server.models import Domain, Drive, PdsUser


@dataclass(frozen=True)
class Actor:
    """The caller as policy sees it: the domain, the user (None for a service token) and
    whether they administer the domain."""

    domain: Domain
    user: PdsUser | None
    is_admin: bool

    @property
    def user_id(self) -> str:
        return self.user.user_id if self.user else ""


def row_id(value: object) -> int | None:
    """A database id written in ASCII digits that a 64-bit column can hold, else None
    (`str.isdigit` also admits other scripts' digits, which `int` then reads)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def owner_filter(user_id: str, *, prefix: str = "") -> Q:
    """The drives `user_id` owns, as a filter (on Drive, or on a relation through `prefix`)."""
    return Q(**{f"{prefix}owner_type": Drive.OwnerType.USER, f"{prefix}owner": user_id})


def owns(user: PdsUser | None, drive: Drive) -> bool:
    return user is not None and drive.owner_type == Drive.OwnerType.USER and drive.owner == user.user_id


def drive_resolve(*, actor: Actor, drive_id: object, managing: bool = False) -> Drive:
    """The drive `drive_id` if `actor` may act on it, else NotFound.Drive (or
    ForbiddenDriveLocked when it is disabled). `managing`: an administrator reading or
    changing the drive record itself, which a disabled drive allows."""
    raw_id = str(drive_id or "")
    if not raw_id:
        raise errors.MissingParameter("drive_id")
    pk = row_id(raw_id)
    drive = Drive.objects.filter(domain=actor.domain, pk=pk).first() if pk is not None else None
    if drive is None or not (owns(actor.user, drive) or actor.is_admin):
        raise errors.NotFound("Drive")
    if drive.status != Drive.Status.ENABLED and not (managing and actor.is_admin):
        raise errors.Forbidden("The drive is disabled.", code="ForbiddenDriveLocked")
    return drive

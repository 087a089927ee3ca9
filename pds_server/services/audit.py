"""The audit log: one row per change, who did what to which object, from where, and whether
it worked. Rows are only ever added (the model refuses updates) and only the retention task
removes them.

Changes through the API are recorded in one place, the `pds_endpoint` decorator
(pds_server/api.py), for the endpoints in ACTIONS (services/audit_changes.py builds their
rows). Sign-ins and refused token refreshes (views/oauth.py) and Django admin actions (a
LogEntry signal, apps.py) are recorded here. The export is services/audit_export.py.

A row never holds a secret: details are built field by field from what names the object,
never from a request body wholesale (no passwords, tokens, share passwords or signed URLs).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from pds_server import errors
from pds_server.models import AccessKey, AccessToken, AuditLog, Domain, Drive, File, PdsUser
from pds_server.selectors import default_domain
from pds_server.selectors.files import ancestors
from pds_server.services import throttle

ROOT = "root"

# Path → (action_type, action_category): every endpoint that changes something. Reads are
# not logged. file/update becomes file.rename when it changes the name.
ACTIONS: dict[str, tuple[str, str]] = {
    "/v2/file/create": ("file.create", "file"),
    "/v2/file/create_with_proof": ("file.create", "file"),
    "/v2/file/complete": ("file.complete", "file"),
    "/v2/file/update": ("file.update", "file"),
    "/v2/file/move": ("file.move", "file"),
    "/v2/file/copy": ("file.copy", "file"),
    "/v2/recyclebin/trash": ("file.trash", "file"),
    "/v2/recyclebin/restore": ("file.restore", "file"),
    "/v2/file/delete": ("file.delete", "file"),
    "/v2/recyclebin/clear": ("recyclebin.clear", "file"),
    "/v2/file/revision/restore": ("revision.restore", "file"),
    "/v2/file/revision/delete": ("revision.delete", "file"),
    "/v2/file/revision/update": ("revision.update", "file"),
    "/v2/file/add_permission": ("permission.add", "file"),
    "/v2/file/remove_permission": ("permission.remove", "file"),
    "/v2/share_link/create": ("share_link.create", "share_link"),
    "/v2/share_link/update": ("share_link.update", "share_link"),
    "/v2/share_link/cancel": ("share_link.cancel", "share_link"),
    "/v2/group/create": ("group.create", "group"),
    "/v2/group/update": ("group.update", "group"),
    "/v2/group/update_name": ("group.update", "group"),
    "/v2/group/delete": ("group.delete", "group"),
    "/v2/group/add_member": ("group.add_member", "group"),
    "/v2/group/remove_member": ("group.remove_member", "group"),
    "/v2/user/create": ("user.create", "user"),
    "/v2/user/update": ("user.update", "user"),
    "/v2/user/delete": ("user.delete", "user"),
    "/v2/drive/create": ("drive.create", "drive"),
    "/v2/drive/update": ("drive.update", "drive"),
    "/v2/drive/delete": ("drive.delete", "drive"),
    "/v2/image/create_story": ("story.create", "story"),
    "/v2/image/update_story": ("story.update", "story"),
    "/v2/image/delete_story": ("story.delete", "story"),
    "/v2/image/add_story_files": ("story.add_files", "story"),
    "/v2/image/remove_story_files": ("story.remove_files", "story"),
    "/v2/image/update_facegroup_info": ("face_group.update", "face_group"),
    "/v2/albums/unassign_facegroup_item": ("face_group.remove_file", "face_group"),
    "/v2/image/merge_facegroups": ("face_group.merge", "face_group"),
}
SIGNIN = ("user.signin", "user")
TOKEN_REFRESH = ("token.refresh", "user")
ACCESSKEY_USE = ("accesskey.use", "accesskey")
ADMIN_CATEGORY = "admin"


# --- Who ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    actor_type: str  # user | service | anonymous | admin
    actor_id: str = ""
    actor_name: str = ""
    app_id: str = ""
    client_ip: str | None = None
    client_type: str = ""


def client_ip(request: HttpRequest) -> str | None:
    """The client's address by the project's one rule (throttle.client_address: the trusted
    proxy's X-Real-IP, else the peer)."""
    address = throttle.client_address(request)
    return str(address) if address is not None else None


def user_name(user: PdsUser) -> str:
    return (user.nick_name or user.user_name or user.user_id)[:128]


def who_of(
    request: HttpRequest,
    *,
    token: AccessToken | None = None,
    user: PdsUser | None = None,
    access_key: AccessKey | None = None,
) -> Who:
    """The caller as the log shows it: a user (by their token or as given), a service (an
    app's domain token, or a request signed with an AccessKey pair), or anonymous."""
    user = user or (token.user if token is not None else None)
    app_id = token.app.app_id if token is not None else ""
    address, client = where_of(request)
    if access_key is not None:
        return Who("accesskey", access_key.access_key_id, access_key.description[:128], "", address, client)
    if user is not None:
        return Who("user", user.user_id, user_name(user), app_id, address, client)
    if token is not None and token.is_service:
        return Who("service", token.app.app_id, token.app.name[:128], app_id, address, client)
    return Who("anonymous", "", "", app_id, address, client)


def where_of(request: HttpRequest) -> tuple[str | None, str]:
    """The client's address and its software (User-Agent)."""
    return client_ip(request), request.headers.get("User-Agent", "")[:255]


# --- Writing a row ------------------------------------------------------------------------


def audit_record(
    *,
    domain: Domain,
    who: Who,
    action: tuple[str, str],
    drive_id: str = "",
    object_id: str = "",
    object_name: str = "",
    file_path: str = "",
    error: errors.PdsError | None = None,
    detail: dict | None = None,
) -> AuditLog:
    """One row: `action` is (action_type, action_category); `error` makes it a failure."""
    return AuditLog.objects.create(
        log_id=uuid.uuid4().hex,
        domain=domain,
        acted_at=timezone.now(),
        actor_type=who.actor_type,
        actor_id=who.actor_id[:64],
        actor_name=who.actor_name[:128],
        app_id=who.app_id[:64],
        action_type=action[0],
        action_category=action[1],
        drive_id=drive_id[:32],
        object_id=object_id[:64],
        object_name=object_name[:1024],
        file_path=file_path,
        client_ip=who.client_ip,
        client_type=who.client_type,
        result=AuditLog.Result.FAILURE if error is not None else AuditLog.Result.SUCCESS,
        error_code=error.code[:64] if error is not None else "",
        detail=detail or {},
    )


def text(value: Any, limit: int = 64) -> str:
    """A body value as the log may hold it: strings and numbers only, cut to `limit`."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)[:limit]


def file_path_of(*, drive: Drive, item: File) -> str:
    """The names from the root down to `item`, one query per ancestor."""
    names = [parent.name for parent in reversed(ancestors(drive=drive, item=item))]
    return "/" + "/".join([*names, item.name])


def folder_path(*, drive: Drive, file_id: str) -> str:
    if not file_id or file_id == ROOT:
        return "/"
    folder = File.objects.filter(drive=drive, file_id=file_id).first()
    return file_path_of(drive=drive, item=folder) if folder is not None else ""


# --- Sign-in, token refresh and Django admin ---------------------------------------------


SIGNIN_FAILURES = {"bad_credentials": "InvalidCredentials", "throttled": "TooManyRequests"}


def signin_record(*, request: HttpRequest, login: str, user: PdsUser | None, failure: str) -> None:
    """A sign-in on the PDS's own page: the user, or for a failure the login typed (never
    the password) and why (bad_credentials, throttled)."""
    who = who_of(request, user=user)
    code = SIGNIN_FAILURES.get(failure, "Unauthorized")
    error = errors.PdsError("The sign-in failed.", code=code, status=401) if failure else None
    domain = request.pds_domain  # type: ignore[attr-defined]
    audit_record(domain=domain, who=who, action=SIGNIN, error=error, detail={"login": login[:128]})


@contextmanager
def refresh_failures(
    *, request: HttpRequest, domain: Domain, app_id: str, action: tuple[str, str] = TOKEN_REFRESH
) -> Iterator[None]:
    """Around a refresh grant (or, with action=SIGNIN, a JWT sign-in): a refusal (expired,
    revoked or reused token; a bad assertion) is written with the client, never the token
    or assertion, and raised on."""
    try:
        yield
    except errors.PdsError as error:
        who = Who("anonymous", "", "", app_id[:64], *where_of(request))
        audit_record(domain=domain, who=who, action=action, error=error)
        raise


def token_signin_record(
    *, request: HttpRequest, domain: Domain, token: AccessToken, grant_type: str = "jwt", detail: dict | None = None
) -> None:
    """A server app signing a user in with a JWT assertion, or a server getting a user's
    token with its AccessKey (the user's own sign-ins are on the PDS's page, signin_record)."""
    who = who_of(request, token=token)
    audit_record(domain=domain, who=who, action=SIGNIN, detail={"grant_type": grant_type, **(detail or {})})


def accesskey_use_record(
    *, request: HttpRequest, domain: Domain, access_key: AccessKey | None, error: errors.PdsError | None
) -> None:
    """Every request signed with an AccessKey, accepted or refused (the key id as claimed,
    never the signature)."""
    claimed = request.headers.get("Authorization", "")[4:].partition(":")[0].strip()[:32]
    if access_key is not None:
        who = who_of(request, access_key=access_key)
    else:
        who = Who("accesskey", claimed, "", "", *where_of(request))
    audit_record(domain=domain, who=who, action=ACCESSKEY_USE, error=error, detail={"path": request.path[:256]})


def admin_action_record(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save of django.contrib.admin's LogEntry: what an administrator did in Django
    admin (the change message names the changed fields, never their values)."""
    if not created or kwargs.get("raw"):
        return
    try:
        domain = default_domain()
    except errors.NotFound:
        return
    verb = {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, "other")
    model = instance.content_type.model if instance.content_type_id else ""
    user = instance.user
    audit_record(
        domain=domain,
        who=Who("admin", str(user.pk), (user.get_username() or "")[:128]),
        action=(f"admin.{verb}", ADMIN_CATEGORY),
        object_id=str(instance.object_id or "")[:64],
        object_name=str(instance.object_repr or "")[:1024],
        detail={"model": model, "change_message": instance.get_change_message()[:1024]},
    )


# --- Retention ----------------------------------------------------------------------------


def audit_logs_purge(*, batch: int = 5000) -> int:
    """Periodic: delete rows older than PDS_AUDIT_LOG_RETENTION_DAYS, a batch at a time (the
    only deletion there is)."""
    cutoff = timezone.now() - timedelta(days=settings.PDS_AUDIT_LOG_RETENTION_DAYS)
    deleted = 0
    while True:
        pks = list(AuditLog.objects.filter(acted_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not pks:
            return deleted
        deleted += AuditLog.objects.filter(pk__in=pks).delete()[0]

"""Share links. A share token reaches only the shared files and what is under them.

Counting (documented in README): `preview_count` counts share tokens issued (a visit that
opens the share), `download_count` counts download URLs issued through the share, and
`save_count` counts copies saved into a visitor's drive. Each is incremented by a
conditional UPDATE, so a limit is never passed, however many visitors arrive at once.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import jwt
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from pds_server import errors
from pds_server.models import Domain, Drive, File, PdsUser, ShareLink, Story
from pds_server.services import throttle
from pds_server.services.access import Actor, Can, drive_grant

MAX_SHARE_TOKEN_SECONDS = 7200


def share_token_key() -> str:
    return salted_hmac("pds_server.share_token", "key", algorithm="sha256").hexdigest()


def new_share_id() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def parse_expiration(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidParameter("expiration must be RFC 3339", code="InvalidParameter.Expiration") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def validate_password(password) -> str:
    if password in (None, ""):
        return ""
    if not isinstance(password, str) or len(password) > 64 or not password.isascii():
        raise errors.InvalidParameter("share_pwd must be 0-64 ASCII characters", code="InvalidParameter.SharePwd")
    return password


def share_create(*, drive: Drive, creator: str, file_ids: list[str], fields: dict) -> ShareLink:
    if not file_ids or len(file_ids) > 100:
        raise errors.InvalidParameter("file_id_list needs 1-100 files", code="InvalidParameter.FileIdList")
    items = list(File.objects.filter(drive=drive, file_id__in=file_ids, trashed=False, status=File.Status.AVAILABLE))
    if len(items) != len(set(file_ids)):
        raise errors.NotFound("File")
    parents = {item.parent_file_id for item in items}
    if len(parents) != 1:
        raise errors.InvalidParameter("Shared files must have one parent folder.", code="InvalidParameter.FileIdList")
    share = ShareLink(
        share_id=new_share_id(),
        drive=drive,
        creator=creator,
        file_ids=sorted(set(file_ids)),
        parent_file_id=parents.pop(),
    )
    share_apply(share, fields)
    if not share.share_name:
        share.share_name = items[0].name
    share.save()
    return share


def share_create_for_story(*, drive: Drive, creator: str, story: Story, fields: dict) -> ShareLink:
    """An album's link (ext `story_id`): it shows the album's files as they are when visited."""
    share = ShareLink(share_id=new_share_id(), drive=drive, creator=creator, story_id=story.story_id)
    share_apply(share, fields)
    share.share_name = share.share_name or story.story_name
    share.save()
    return share


def share_apply(share: ShareLink, fields: dict) -> None:
    if "share_pwd" in fields and fields["share_pwd"] is not None:
        password = validate_password(fields["share_pwd"])
        share.password = make_password(password) if password else ""
    if "expiration" in fields:
        share.expiration = parse_expiration(fields["expiration"])
    for name in ("share_name", "description"):
        if isinstance(fields.get(name), str):
            setattr(share, name, fields[name])
    for name in ("disable_download", "disable_preview", "disable_save"):
        if fields.get(name) is not None:
            setattr(share, name, bool(fields[name]))
    for name in ("download_limit", "preview_limit", "save_limit"):
        if fields.get(name) is not None:
            value = int(fields[name])
            if value < 0:
                raise errors.InvalidParameter(f"{name} must not be negative", code=f"InvalidParameter.{name}")
            setattr(share, name, value)
    if fields.get("status") in ShareLink.Status.values:
        share.status = fields["status"]


def share_update(*, share: ShareLink, fields: dict) -> ShareLink:
    if share.cancelled_at is not None:
        raise errors.NotFound("ShareLink")
    share_apply(share, fields)
    share.save()
    return share


def share_cancel(*, share: ShareLink) -> None:
    if share.cancelled_at is None:
        share.cancelled_at = timezone.now()
        share.save(update_fields=["cancelled_at", "updated_at"])


def share_live(share_id: str) -> ShareLink:
    """An enabled share that has not expired; anything else is a 404 (cancelled, expired, unknown)."""
    share = ShareLink.objects.select_related("drive__domain").filter(share_id=share_id or "").first()
    if share is None or share.cancelled_at is not None or share.status != ShareLink.Status.ENABLED:
        raise errors.NotFound("ShareLink")
    if share.expiration is not None and share.expiration <= timezone.now():
        raise errors.NotFound("ShareLink", "The share link has expired.")
    if not creator_may_share(share):
        raise errors.NotFound("ShareLink")
    return share


def creator_may_share(share: ShareLink) -> bool:
    """A link lives while its creator may still share what it shares: the drive's owner
    always; anyone else through their role, which may be taken away, expire, or go with a
    group membership."""
    drive = share.drive
    if drive.owner_type == Drive.OwnerType.USER and drive.owner == share.creator:
        return True
    user = PdsUser.objects.filter(domain_id=drive.domain_id, user_id=share.creator).first()
    if user is None:
        return False
    try:
        grant = drive_grant(actor=Actor(domain=drive.domain, user=user, is_admin=user.is_admin), drive_id=drive.pk)
        if share.story_id:  # an album's link: sharing the album is sharing from the whole drive
            grant.require(None, Can.SHARE)
        for item in File.objects.filter(drive=drive, file_id__in=share.file_ids):
            grant.require(item, Can.SHARE)
    except errors.PdsError:
        return False
    return True


def share_visit(*, domain: Domain, share_id: str, source_address: str) -> ShareLink:
    """A live share of `domain` for an anonymous visitor. Share ids are guessable only by
    brute force: an address asking for too many that do not exist is throttled."""
    subject = f"{domain.pk}:{source_address}"
    throttle.throttle_check(
        rule=throttle.SHARE_ID, subject=subject, message="Too many unknown share links. Try again later."
    )
    try:
        share = share_live(share_id)
        if share.drive.domain_id != domain.pk:
            raise errors.NotFound("ShareLink")
    except errors.NotFound:
        throttle.failure_record(rule=throttle.SHARE_ID, subject=subject)
        raise
    return share


def share_token_issue(*, share: ShareLink, password: str | None, expire_sec: int) -> tuple[str, int]:
    if share.password:
        # Counted per share, checked before the password: a throttled guess learns nothing.
        subject = str(share.pk)
        throttle.throttle_check(
            rule=throttle.SHARE_PASSWORD, subject=subject, message="Too many wrong share passwords. Try again later."
        )
        if not check_password(password or "", share.password):
            throttle.failure_record(rule=throttle.SHARE_PASSWORD, subject=subject)
            raise errors.Forbidden("The share password is wrong.", code="InvalidResource.SharePwd")
    counter_take(share, "preview_count", "preview_limit")
    ShareLink.objects.filter(pk=share.pk).update(access_count=F("access_count") + 1)
    lifetime = max(60, min(expire_sec or MAX_SHARE_TOKEN_SECONDS, MAX_SHARE_TOKEN_SECONDS))
    if share.expiration is not None:
        lifetime = max(1, min(lifetime, int((share.expiration - timezone.now()).total_seconds())))
    claims = {
        "share_id": share.share_id,
        "domain_id": share.drive.domain.domain_id,
        "exp": int(time.time()) + lifetime,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, share_token_key(), algorithm="HS256"), lifetime


def share_for_token(*, share_id: str, token: str) -> ShareLink:
    try:
        claims = jwt.decode(
            token or "", share_token_key(), algorithms=["HS256"], options={"require": ["exp", "share_id"]}
        )
    except jwt.PyJWTError:
        raise errors.PdsError(
            "The share token is invalid or expired.", code="ShareLinkTokenInvalid", status=401
        ) from None
    if claims.get("share_id") != share_id:
        raise errors.PdsError("The share token is for another share.", code="ShareLinkTokenInvalid", status=401)
    return share_live(share_id)


def counter_take(share: ShareLink, counter: str, limit_field: str) -> None:
    limit = getattr(share, limit_field)
    rows = ShareLink.objects.filter(pk=share.pk)
    if limit:
        rows = rows.filter(**{f"{counter}__lt": limit})
    if not rows.update(**{counter: F(counter) + 1}):
        raise errors.Forbidden(
            f"The share link has reached its {limit_field.replace('_', ' ')}.", code="ForbiddenShareLimitReached"
        )


def count_download(share: ShareLink) -> None:
    if share.disable_download:
        raise errors.Forbidden("Downloads are disabled for this share.", code="ForbiddenShareDownloadDisabled")
    counter_take(share, "download_count", "download_limit")


def count_save(share: ShareLink) -> None:
    if share.disable_save:
        raise errors.Forbidden("Saving is disabled for this share.", code="ForbiddenShareSaveDisabled")
    counter_take(share, "save_count", "save_limit")

"""`/v2/share_link/*`."""

from __future__ import annotations

from django.utils import timezone

from pds_server import errors
from pds_server.api import Caller, paginate_by_pk, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.models import ShareLink
from pds_server.services import shares
from pds_server.services.files import drive_for

BOOLEAN_FIELDS = ("disable_download", "disable_preview", "disable_save")
NUMBER_FIELDS = ("download_limit", "preview_limit", "save_limit")


def share_fields(body: dict) -> dict:
    fields = {name: body[name] for name in ("share_pwd", "share_name", "description", "status") if name in body}
    if "expiration" in body:
        fields["expiration"] = body["expiration"]
    for name in BOOLEAN_FIELDS:
        if body.get(name) is not None:
            fields[name] = parse_bool(body[name], name)
    for name in NUMBER_FIELDS:
        if body.get(name) is not None:
            fields[name] = parse_int(body, name, minimum=0)
    return fields


def own_share(caller: Caller, body: dict) -> ShareLink:
    share = ShareLink.objects.select_related("drive__domain").filter(share_id=parse_str(body, "share_id", required=True), drive__domain=caller.domain).first()
    if share is None or not (caller.is_admin or (caller.user is not None and share.creator == caller.user.user_id)):
        raise errors.NotFound("ShareLink")
    return share


@pds_endpoint(scope="SHARE.CREATE")
def share_link_create(request, caller: Caller, body: dict):
    drive = drive_for(user=caller.user, is_admin=caller.is_admin, domain=caller.domain, drive_id=body.get("drive_id"))
    file_ids = body.get("file_id_list") or ([body["file_id"]] if body.get("file_id") else [])
    if not isinstance(file_ids, list) or not all(isinstance(file_id, str) for file_id in file_ids):
        raise errors.InvalidParameter("file_id_list must be a list of file ids", code="InvalidParameter.FileIdList")
    share = shares.share_create(drive=drive, creator=caller.user.user_id if caller.user else "", file_ids=file_ids, fields=share_fields(body))
    return 201, shares.share_to_pds(share)


@pds_endpoint(scope="SHARE.LIST")
def share_link_list(request, caller: Caller, body: dict):
    rows = ShareLink.objects.select_related("drive__domain").filter(drive__domain=caller.domain)
    creator = parse_str(body, "creator")
    if not (caller.is_admin and creator):  # only an administrator lists someone else's shares
        creator = caller.require_user().user_id
    rows = rows.filter(creator=creator)
    if not parse_bool(body.get("include_cancelled"), "include_cancelled"):
        rows = rows.filter(cancelled_at__isnull=True)
    items, next_marker = paginate_by_pk(rows, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker"))
    return {"items": [shares.share_to_pds(share) for share in items], "next_marker": next_marker}


@pds_endpoint(scope="SHARE.GET")
def share_link_get(request, caller: Caller, body: dict):
    return shares.share_to_pds(own_share(caller, body))


@pds_endpoint(scope="SHARE.UPDATE")
def share_link_update(request, caller: Caller, body: dict):
    share = own_share(caller, body)
    if share.cancelled_at is not None:
        raise errors.NotFound("ShareLink")
    shares.share_apply(share, share_fields(body))
    share.save()
    return shares.share_to_pds(share)


@pds_endpoint(scope="SHARE.DELETE")
def share_link_cancel(request, caller: Caller, body: dict):
    share = own_share(caller, body)
    if share.cancelled_at is None:
        share.cancelled_at = timezone.now()
        share.save(update_fields=["cancelled_at", "updated_at"])
    return 204, None


@pds_endpoint(scope=None, anonymous=True)
def share_link_get_by_anonymous(request, caller: Caller, body: dict):
    share = shares.share_live(parse_str(body, "share_id", required=True))
    if share.drive.domain_id != caller.domain.pk:
        raise errors.NotFound("ShareLink")
    return shares.share_to_pds(share, for_owner=False)


@pds_endpoint(scope=None, anonymous=True)
def share_link_get_share_token(request, caller: Caller, body: dict):
    share = shares.share_live(parse_str(body, "share_id", required=True))
    if share.drive.domain_id != caller.domain.pk:
        raise errors.NotFound("ShareLink")
    token, lifetime = shares.share_token_issue(share=share, password=body.get("share_pwd"), expire_sec=parse_int(body, "expire_sec", default=7200) or 7200)
    return {"share_token": token, "expires_in": lifetime, "expire_time": ""}

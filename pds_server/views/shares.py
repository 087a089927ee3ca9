"""`/v2/share_link/*`."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import share_link_own, share_links_of, share_search
from pds_server.selectors.files import file_get
from pds_server.selectors.stories import story_get
from pds_server.serializers import page_to_pds, share_to_pds, share_token_to_pds
from pds_server.services import shares, throttle
from pds_server.services.access import Can
from pds_server.services.pagination import paginate_by_pk
from pds_server.views.common import caller_grant

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


def own_share(caller: Caller, body: dict):
    return share_link_own(actor=caller.actor, share_id=parse_str(body, "share_id", required=True))


@pds_endpoint("/v2/share_link/create", scope="SHARE.CREATE")
def share_link_create(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    drive = grant.drive
    if body.get("story_id") and not body.get("file_id_list"):  # ext: an album's link
        grant.require(None, Can.SHARE)
        story = story_get(drive=drive, story_id=parse_str(body, "story_id", max_length=64))
        share = shares.share_create_for_story(
            drive=drive, creator=caller.user_id, story=story, fields=share_fields(body)
        )
        return 201, share_to_pds(share)
    file_ids = body.get("file_id_list") or ([body["file_id"]] if body.get("file_id") else [])
    if not isinstance(file_ids, list) or not all(isinstance(file_id, str) for file_id in file_ids):
        raise errors.InvalidParameter("file_id_list must be a list of file ids", code="InvalidParameter.FileIdList")
    if not grant.everything:
        for file_id in file_ids[:100]:  # share_create refuses longer lists
            grant.require(file_get(drive=drive, file_id=file_id), Can.SHARE)
    share = shares.share_create(drive=drive, creator=caller.user_id, file_ids=file_ids, fields=share_fields(body))
    return 201, share_to_pds(share)


@pds_endpoint("/v2/share_link/list", scope="SHARE.LIST")
def share_link_list(request: HttpRequest, caller: Caller, body: dict):
    creator = parse_str(body, "creator")
    if not (caller.is_admin and creator):  # only an administrator lists someone else's shares
        creator = caller.require_user().user_id
    rows = share_links_of(
        domain=caller.domain,
        creator=creator,
        include_cancelled=parse_bool(body.get("include_cancelled"), "include_cancelled"),
    )
    items, next_marker = paginate_by_pk(
        rows, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    return page_to_pds([share_to_pds(share) for share in items], next_marker)


@pds_endpoint("/v2/share_link/get", scope="SHARE.GET")
def share_link_get(request: HttpRequest, caller: Caller, body: dict):
    return share_to_pds(own_share(caller, body))


@pds_endpoint("/v2/share_link/update", scope="SHARE.UPDATE")
def share_link_update(request: HttpRequest, caller: Caller, body: dict):
    share = own_share(caller, body)
    if not (caller.is_admin or shares.creator_may_share(share)):  # their role went: they may only cancel it
        raise errors.NotFound("ShareLink")
    return share_to_pds(shares.share_update(share=share, fields=share_fields(body)))


@pds_endpoint("/v2/share_link/cancel", scope="SHARE.DELETE")
def share_link_cancel(request: HttpRequest, caller: Caller, body: dict):
    shares.share_cancel(share=own_share(caller, body))
    return 204, None


def visited_share(request: HttpRequest, caller: Caller, body: dict):
    return shares.share_visit(
        domain=caller.domain,
        share_id=parse_str(body, "share_id", required=True),
        source_address=throttle.source_address(request),
    )


@pds_endpoint("/v2/share_link/get_by_anonymous", scope=None, auth="none")
def share_link_get_by_anonymous(request: HttpRequest, caller: Caller, body: dict):
    return share_to_pds(visited_share(request, caller, body), for_owner=False)


@pds_endpoint("/v2/share_link/get_share_token", scope=None, auth="none")
def share_link_get_share_token(request: HttpRequest, caller: Caller, body: dict):
    share = visited_share(request, caller, body)
    token, lifetime = shares.share_token_issue(
        share=share, password=body.get("share_pwd"), expire_sec=parse_int(body, "expire_sec", default=7200) or 7200
    )
    return share_token_to_pds(token, lifetime)


@pds_endpoint("/v2/share_link/search", scope="SHARE.LIST")
def share_link_search(request: HttpRequest, caller: Caller, body: dict):
    creators = body.get("creators") or []
    if not isinstance(creators, list) or not all(isinstance(creator, str) for creator in creators):
        raise errors.InvalidParameter("creators must be a list of user ids", code="InvalidParameter.Creators")
    items, next_marker, total = share_search.share_link_search(
        actor=caller.actor,
        creators=creators,
        query=parse_str(body, "query"),
        order=share_search.ShareOrder.of(parse_str(body, "order_by"), parse_str(body, "order_direction")),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
        with_total=parse_bool(body.get("return_total_count"), "return_total_count"),
    )
    answer = page_to_pds([share_to_pds(share) for share in items], next_marker)
    return answer if total is None else {**answer, "total_count": total}

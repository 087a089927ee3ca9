"""A file's revisions (`/v2/file/revision/*`): list, get (with a download URL), restore,
update (keep_forever, description) and delete. Every one names the file and goes through
the caller's role on it (views/common.py `caller_file`)."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.models import File, Revision
from pds_server.selectors.revisions import creator_names, revision_page
from pds_server.serializers import page_to_pds
from pds_server.serializers.revisions import revision_to_pds
from pds_server.services import downloads, revisions
from pds_server.services.access import Can
from pds_server.views.common import caller_file

MAX_URL_EXPIRE_SEC = 14400


def answer(caller: Caller, item: File, revision: Revision, *, url_expire_sec: int = downloads.DEFAULT_EXPIRE_SEC):
    names = creator_names(domain=item.drive.domain, user_ids=[revision.creator])
    return revision_to_pds(
        revision,
        item=item,
        creator_names=names,
        base_url=caller.base_url,
        with_url=True,
        url_expire_sec=url_expire_sec,
    )


def revision_id_of(body: dict) -> str:
    return parse_str(body, "revision_id", required=True, max_length=50)


@pds_endpoint("/v2/file/revision/list", scope="FILE.GET", batchable=True)
def revision_list(request: HttpRequest, caller: Caller, body: dict):
    grant, item = caller_file(caller, body, Can.LIST)
    rows, next_marker = revision_page(
        item=item, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    fields = {field.strip() for field in parse_str(body, "fields").split(",")}
    names = creator_names(domain=item.drive.domain, user_ids=[revision.creator for revision in rows])
    items = [
        revision_to_pds(
            revision,
            item=item,
            creator_names=names,
            base_url=caller.base_url,
            with_url=bool(fields & {"*", "url", "download_url"}) and Can.DOWNLOAD in grant.capabilities(item),
        )
        for revision in rows
    ]
    return page_to_pds(items, next_marker)


@pds_endpoint("/v2/file/revision/get", scope="FILE.GET", batchable=True)
def revision_get(request: HttpRequest, caller: Caller, body: dict):
    _, item = caller_file(caller, body, Can.DOWNLOAD)
    revision = revisions.revision_of(item=item, revision_id=revision_id_of(body))
    expire_sec = parse_int(body, "url_expire_sec", default=downloads.DEFAULT_EXPIRE_SEC) or 0
    if not 10 <= expire_sec <= MAX_URL_EXPIRE_SEC:
        raise errors.InvalidParameter("url_expire_sec must be 10-14400", code="InvalidParameter.UrlExpireSec")
    return answer(caller, item, revision, url_expire_sec=expire_sec)


@pds_endpoint("/v2/file/revision/restore", scope="FILE.UPDATE", batchable=True)
def revision_restore(request: HttpRequest, caller: Caller, body: dict):
    _, item = caller_file(caller, body, Can.EDIT, allow_trashed=False)
    revision = revisions.revision_restore(item=item, revision_id=revision_id_of(body), creator=caller.user_id)
    item.refresh_from_db()
    return answer(caller, item, revision)


@pds_endpoint("/v2/file/revision/update", scope="FILE.UPDATE", batchable=True)
def revision_update(request: HttpRequest, caller: Caller, body: dict):
    _, item = caller_file(caller, body, Can.EDIT)
    keep_forever = body.get("keep_forever")
    revision = revisions.revision_update(
        item=item,
        revision_id=revision_id_of(body),
        keep_forever=None if keep_forever is None else parse_bool(keep_forever, "keep_forever"),
        description=(
            parse_str(body, "revision_description", max_length=revisions.MAX_DESCRIPTION)
            if body.get("revision_description") is not None
            else None
        ),
    )
    return answer(caller, item, revision)


@pds_endpoint("/v2/file/revision/delete", scope="FILE.DELETE", batchable=True)
def revision_delete(request: HttpRequest, caller: Caller, body: dict):
    _, item = caller_file(caller, body, Can.DELETE)  # history gone for good: not every editor's
    revisions.revision_delete(item=item, revision_id=revision_id_of(body))
    return 204, None

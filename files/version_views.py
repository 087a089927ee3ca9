"""The Versions dialog (templates/files/_versions.html, static/js/versions.js) and the details
panel's Activity section: JSON endpoints that answer rendered rows, a version's download
(streamed like a file's), and a page of activity as a fragment. Thin: files.versions and
files.activity do the work; errors come back as {"error": message} (files.decorators)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.user_pds import UserPds
from files import activity, versions
from files.actions_api import rows_html
from files.decorators import json_api, pds_page
from files.errors import InvalidInput
from files.http import proxy_download
from files.me import my_pds_user_id

JSON = dict[str, Any]


def _version_rows(request: HttpRequest, file_id: str, page: list[versions.Version], item: JSON) -> str:
    # Only the actions the caller's role allows (the PDS's action_list; all when it does not say).
    actions = item.get("action_list")
    may = (lambda action: action in actions) if isinstance(actions, list) else (lambda action: True)
    context = {
        "versions": page,
        "file_id": file_id,
        "can_change": may("FILE.UPDATE"),
        "can_delete": may("FILE.DELETE"),
    }
    return render_to_string("files/_version_rows.html", context, request=request)


@require_http_methods(["GET"])
@json_api
def version_list(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """A page of the file's versions as rows of the dialog (`?marker=` for the next)."""
    pds = UserPds.of(request)
    marker = request.GET.get("marker", "")
    item = versions.file_of_versions(pds=pds, file_id=file_id)
    page, next_marker = versions.versions_page(pds=pds, file_id=file_id, marker=marker, me=my_pds_user_id(request))
    answer: JSON = {"rows": _version_rows(request, file_id, page, item), "next_marker": next_marker}
    if not marker:
        answer["file"] = {"file_id": item["file_id"], "name": item["name"]}
    return answer


@require_http_methods(["POST"])
@json_api
def version_restore(request: HttpRequest, body: JSON, file_id: str, revision_id: str) -> JSON:
    """Make the version current again; answers the file's listing row as it now is."""
    restored, item = versions.version_restore(pds=UserPds.of(request), file_id=file_id, revision_id=revision_id)
    number = restored.get("revision_version") or ""
    return {
        "revision_id": restored.get("revision_id", ""),
        "row": rows_html(request, [item]),
        "message": _("Restored: it is now version %(number)s") % {"number": number} if number else _("Restored"),
    }


@require_http_methods(["POST"])
@json_api
def version_keep(request: HttpRequest, body: JSON, file_id: str, revision_id: str) -> JSON:
    """Keep the version forever (`{"keep_forever": true}`) or no longer."""
    keep = body.get("keep_forever")
    if not isinstance(keep, bool):
        raise InvalidInput(_("keep_forever: send true or false."))
    pds = UserPds.of(request)
    revision = versions.version_keep(pds=pds, file_id=file_id, revision_id=revision_id, keep_forever=keep)
    version = versions.version_of(revision, me=my_pds_user_id(request))
    # The row's actions are those the role allows, as version_list shows them (changing is not deleting).
    item = versions.file_of_versions(pds=pds, file_id=file_id)
    return {
        "row": _version_rows(request, file_id, [version], item),
        "message": _("Kept forever") if version.keep_forever else _("No longer kept forever"),
    }


@require_http_methods(["POST"])
@json_api
def version_delete(request: HttpRequest, body: JSON, file_id: str, revision_id: str) -> JSON:
    versions.version_delete(pds=UserPds.of(request), file_id=file_id, revision_id=revision_id)
    return {"message": _("Version deleted")}


@login_required
@pds_page
@require_GET
def version_download(request: HttpRequest, file_id: str, revision_id: str) -> HttpResponseBase:
    """The version's bytes, streamed from the PDS (Range passed through), as the file's are."""
    item, url = versions.version_download_url(pds=UserPds.of(request), file_id=file_id, revision_id=revision_id)
    return proxy_download(request, url, item)


@login_required
@pds_page
@require_GET
def file_activity(request: HttpRequest, file_id: str) -> HttpResponse:
    """A page of the file's activity (`?marker=`), as items of the details panel's list."""
    marker = request.GET.get("marker", "")
    rows, next_marker = activity.file_activity(
        pds=UserPds.of(request), file_id=file_id, marker=marker, me=my_pds_user_id(request)
    )
    context = {"activity": rows, "activity_next": next_marker, "file_id": file_id, "marker": marker}
    return render(request, "files/_activity_rows.html", context)

"""`/v2/audit_log/*`: the export of the official SDK (an async task whose result is a CSV
download), its signed download, and `audit_log/list`, an extension of ours (not in the SDK)
that answers one file's activity for the web UI's details panel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from pds_server import signing
from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.selectors.audit import file_activity
from pds_server.serializers import page_to_pds
from pds_server.serializers.audit import audit_log_to_pds
from pds_server.services import async_tasks, audit_export
from pds_server.services.access import Can
from pds_server.storage import blob_store
from pds_server.views.common import caller_file
from pds_server.views.content import GET_METHODS, content_disposition


@pds_endpoint("/v2/audit_log/export", scope=None)
def audit_log_export(request: HttpRequest, caller: Caller, body: dict):
    """Administrators only: `query` over drive, actor, time and action; `order_by`
    `acted_at DESC` (default) or `acted_at ASC`; answers {async_task_id}."""
    caller.require_admin()
    params = audit_export.export_params(
        domain=caller.domain,
        query=parse_str(body, "query", max_length=4096),
        order_by=parse_str(body, "order_by", max_length=64),
        file_name=parse_str(body, "file_name", max_length=1024),
        language=parse_str(body, "language", max_length=16),
        base_url=caller.base_url,
    )
    task = async_tasks.async_task_start(
        drive=None, domain=caller.domain, user_id=caller.user_id, operation=audit_export.OPERATION, params=params
    )
    return {"async_task_id": task.async_task_id}


@pds_endpoint("/v2/audit_log/content", scope=None, auth="none", methods=GET_METHODS, body="none")
def audit_log_content(request: HttpRequest, caller: Caller, body: dict) -> HttpResponse:
    """The signed URL of a finished export: the CSV as an attachment."""
    params = signing.verify(query=request.GET, method="GET", path=request.path, names=audit_export.CONTENT_PARAMS)
    name, size = audit_export.export_open(params)
    chunks = [] if request.method == "HEAD" else blob_store().iter_range(name, 0, size)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition(params.get("file_name") or audit_export.DEFAULT_FILE_NAME)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Not in the official SDK: our extension for the web UI's details panel.
@pds_endpoint("/v2/audit_log/list", scope="FILE.GET", batchable=True)
def audit_log_list(request: HttpRequest, caller: Caller, body: dict):
    """One file's activity, newest first, to anyone whose role on the file lets them list
    it (NotFound to others); client addresses only to administrators."""
    grant, item = caller_file(caller, body, Can.LIST)
    rows, next_marker = file_activity(
        drive=grant.drive,
        file_id=item.file_id,
        limit=parse_limit(body, default=50, maximum=100),
        marker=parse_str(body, "marker"),
    )
    items = [audit_log_to_pds(row, for_admin=caller.is_admin) for row in rows]
    if not grant.everything:
        # Paths name folders above what the caller's role reaches (and, for a copy, in
        # another drive): someone the file was shared with sees what happened, not where.
        for entry in items:
            entry["file_path"] = ""
            for key in ("parent_path", "to_parent_path"):
                entry["detail"].get("file_log_detail", {}).pop(key, None)
    return page_to_pds(items, next_marker)

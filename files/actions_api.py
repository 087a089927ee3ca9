"""JSON endpoints of the folder page's actions (static/js/folder-actions.js): new folder,
rename, move, copy, trash and restore (the Undo of trash) of a selection or of every item of
a folder, the folder's item count, and rows rendered as the listing renders them (for
inserting in place). Same-origin, session, CSRF; errors as {"error": message} with a 4xx
status (files.decorators.json_api), never a 500."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from accounts.user_pds import UserPds
from files import selectors, services
from files.decorators import json_api
from files.errors import InvalidInput
from files.forms import ActionForm, FolderCreateForm, IdListField, RenameApiForm, parsed

JSON = dict[str, Any]
# Operations of the selection (delete forever stays on the trash page).
OPERATIONS = tuple(operation for operation in services.OPERATIONS if operation != "delete")
# Rows per request: 100 ids fit the request line nginx and gunicorn take (8 KB); the page asks
# in chunks of this many (folder-actions.js bringBack).
MAX_ROWS = 100


def rows_html(request: HttpRequest, items: list[JSON]) -> str:
    """`tr` rows of templates/files/_rows.html for these items, in the page's view."""
    view = request.session.get("drive_view", {}).get("view", "list")
    context = {"listing": SimpleNamespace(items=items), "view": view}
    return render_to_string("files/_rows.html", context, request=request)


@require_http_methods(["POST"])
@json_api
def folder_create(request: HttpRequest, body: JSON) -> JSON:
    fields = parsed(FolderCreateForm(body))
    pds = UserPds.of(request)
    created = services.folder_create(pds=pds, parent_id=fields["parent_id"], name=fields["name"])
    item = selectors.file_get(pds=pds, file_id=created["file_id"])
    return {"file_id": item["file_id"], "name": item["name"], "row": rows_html(request, [item])}


@require_http_methods(["POST"])
@json_api
def rename(request: HttpRequest, body: JSON) -> JSON:
    fields = parsed(RenameApiForm(body))
    if not fields["file_id"]:
        raise InvalidInput("file_id: This field is required.")
    item = services.file_rename(pds=UserPds.of(request), file_id=fields["file_id"], name=fields["name"])
    return {"file_id": item["file_id"], "name": item["name"], "row": rows_html(request, [item])}


@require_http_methods(["POST"])
@json_api
def apply(request: HttpRequest, body: JSON, operation: str) -> JSON:
    if operation not in OPERATIONS:
        raise InvalidInput(f"Unknown operation “{operation}”.")
    fields = parsed(ActionForm(body))
    applied = services.files_apply(
        pds=UserPds.of(request),
        operation=operation,
        file_ids=fields["ids"],
        target_id=fields["target_id"],
        all_in=fields["all_in"],
    )
    return {
        "done": applied.done,
        "created": applied.created,
        "tasks": applied.tasks,
        "failed": applied.failed,
        "error": applied.error,
    }


@require_http_methods(["GET"])
@json_api
def child_count(request: HttpRequest, body: JSON, folder_id: str) -> JSON:
    """The folder's item count, and the most "select all" may act on (services.MAX_ALL)."""
    count = selectors.folder_child_count(pds=UserPds.of(request), folder_id=folder_id)
    return {"count": count, "max_all": services.MAX_ALL}


@require_http_methods(["GET"])
@json_api
def rows(request: HttpRequest, body: JSON) -> JSON:
    """Rows of the given ids (`?ids=a&ids=b`), as the listing renders them; gone ones left out."""
    try:
        file_ids = IdListField().clean(request.GET.getlist("ids"))
    except ValidationError:
        raise InvalidInput("ids: This field is required.") from None
    if len(file_ids) > MAX_ROWS:
        raise InvalidInput(f"Ask for at most {MAX_ROWS} rows at once.")
    return {"rows": rows_html(request, selectors.listing_items(pds=UserPds.of(request), file_ids=file_ids))}


@require_http_methods(["GET"])
@json_api
def task(request: HttpRequest, body: JSON, async_task_id: str) -> JSON:
    state = selectors.task_state(pds=UserPds.of(request), async_task_id=async_task_id)
    return {"state": state["state"], "error": state.get("error_message") or ""}


@require_http_methods(["GET"])
@json_api
def folders(request: HttpRequest, body: JSON, folder_id: str) -> JSON:
    """The move and copy dialog's view of a folder: its path and a page of its folders."""
    crumbs, items, next_marker = selectors.folder_choices(
        pds=UserPds.of(request), folder_id=folder_id, marker=request.GET.get("marker", "")
    )
    brief = [{"file_id": item["file_id"], "name": item["name"]} for item in crumbs]
    actions = crumbs[-1].get("action_list") if crumbs else None  # the top of a drive: no file/get
    return {
        "path": brief,
        "can_add": not isinstance(actions, list) or "FILE.CREATE" in actions,
        "folders": [{"file_id": item["file_id"], "name": item["name"]} for item in items],
        "next_marker": next_marker,
    }

"""The drive pages. Thin: parse (files.forms), call one service or selector as the signed-in
user (accounts.user_pds), render. Errors become pages in one place (files.decorators)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import zipstream
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from accounts.user_pds import UserPds
from files import selectors, services
from files.decorators import pds_page
from files.drive_scope import context as drive_scope_context
from files.errors import ABOUT_THE_REQUEST, message_of
from files.forms import FolderCreateForm, RenameForm, SelectionForm, ZipForm, parsed
from files.http import INLINE_TYPES, closing_stream, content_disposition, proxy_download

DONE = {
    "trash": gettext_lazy("Moved to trash"),
    "restore": gettext_lazy("Restored"),
    "delete": gettext_lazy("Deleted forever"),
    "move": gettext_lazy("Moved"),
    "copy": gettext_lazy("Copied"),
}
TEXT_EXTENSIONS = {"txt", "md", "csv", "log", "json", "xml", "yaml", "yml", "py", "js", "css", "ini", "toml", "sh"}
TEXT_PREVIEW_BYTES = 256 * 1024


def _view_prefs(request: HttpRequest) -> tuple[str, str, str]:
    """Sort, direction and view (list or grid), remembered in the session (written only
    when they change: a plain page view saves no session)."""
    stored = request.session.get("drive_view")
    prefs = {"sort": "name", "dir": "asc", "view": "list", **(stored if isinstance(stored, dict) else {})}
    choices: tuple[tuple[str, Any], ...] = (
        ("sort", selectors.SORTS),
        ("dir", ("asc", "desc")),
        ("view", ("list", "grid")),
    )
    for key, allowed in choices:
        value = request.GET.get(key)
        if value in allowed:
            prefs[key] = value
    if prefs != stored:
        request.session["drive_view"] = prefs
    return prefs["sort"], prefs["dir"], prefs["view"]


def back_to(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else fallback


@login_required
@pds_page
@require_GET
def folder(request: HttpRequest, folder_id: str = selectors.ROOT) -> HttpResponse:
    sort, direction, view = _view_prefs(request)
    partial = request.GET.get("partial") == "1"
    listing = selectors.folder_listing(
        pds=UserPds.of(request),
        folder_id=folder_id,
        sort=sort,
        direction=direction,
        marker=request.GET.get("marker", ""),
        with_breadcrumbs=not partial,
    )
    next_page = f"?{urlencode({'marker': listing.next_marker, 'partial': '1'})}" if listing.next_marker else ""
    context = {"listing": listing, "folder_id": folder_id, "sort": sort, "dir": direction, "view": view}
    return render(request, "files/_rows.html" if partial else "files/folder.html", {**context, "next_page": next_page})


@login_required
@pds_page
@require_POST
def folder_create(request: HttpRequest) -> HttpResponse:
    try:
        fields = parsed(FolderCreateForm(request.POST))
        services.folder_create(pds=UserPds.of(request), parent_id=fields["parent_id"], name=fields["name"])
    except ABOUT_THE_REQUEST as error:
        messages.error(request, _("Could not create the folder: %(reason)s") % {"reason": message_of(error)})
        return redirect(back_to(request))
    messages.success(request, _("Folder “%(name)s” created") % {"name": fields["name"]})
    return redirect(back_to(request))


@login_required
@pds_page
def rename(request: HttpRequest, file_id: str) -> HttpResponse:
    pds = UserPds.of(request)
    item = selectors.file_get(pds=pds, file_id=file_id)
    if request.method != "POST":
        return render(request, "files/rename.html", {"item": item, "name": item["name"], "next": back_to(request)})
    form = RenameForm(request.POST)
    try:
        name = parsed(form)["name"]
        services.file_rename(pds=pds, file_id=file_id, name=name)
    except ABOUT_THE_REQUEST as error:
        name = form.cleaned_data.get("name", "")
        context = {"item": item, "error": message_of(error), "name": name, "next": back_to(request)}
        return render(request, "files/rename.html", context, status=400)
    messages.success(request, _("Renamed to “%(name)s”") % {"name": name})
    return redirect(back_to(request))


@login_required
@pds_page
@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    """One form for the selection: trash, restore, delete forever, move or copy."""
    form = SelectionForm(request.POST)
    if not form.is_valid() or not (form.cleaned_data["ids"] or form.cleaned_data["all_in"]):
        messages.error(request, _("Select one or more items first."))
        return redirect(back_to(request))
    operation, file_ids, target_id, all_in = (
        form.cleaned_data[key] for key in ("operation", "ids", "target_id", "all_in")
    )
    if operation in ("move", "copy") and not target_id:
        chosen = [("all_in", all_in)] if all_in else [("ids", file_id) for file_id in file_ids]
        query = urlencode([("op", operation), ("next", back_to(request)), *chosen])
        return redirect(f"{reverse('files:pick')}?{query}")
    try:
        applied = services.files_apply(
            pds=UserPds.of(request), operation=operation, file_ids=file_ids, target_id=target_id, all_in=all_in
        )
    except ABOUT_THE_REQUEST as error:
        messages.error(request, message_of(error))
        return redirect(back_to(request))
    if applied.error:
        messages.error(request, applied.error)
    if applied.tasks:
        messages.info(request, _("Working on it: large folders take a moment."))
        return redirect(f"{reverse('files:task', args=[applied.tasks[0]])}?{urlencode({'next': back_to(request)})}")
    messages.success(request, f"{DONE[operation]} ({len(applied.done)})")
    return redirect(back_to(request))


@login_required
@pds_page
@require_GET
def pick(request: HttpRequest) -> HttpResponse:
    """The folder picker for move and copy: browse folders, then choose "here"."""
    operation = request.GET.get("op", "move")
    pds = UserPds.of(request)
    selected, all_in = request.GET.getlist("ids"), request.GET.get("all_in", "")
    scope = drive_scope_context(request)["drive_scope"]
    # In a drive shared in part the top is not the user's: start where the items are.
    in_part = bool(scope) and not scope.is_team
    start = ""
    if in_part:
        start = all_in or (selectors.file_get(pds=pds, file_id=selected[0])["parent_file_id"] if selected else "")
    folder_id = request.GET.get("folder") or start or selectors.ROOT
    # Subfolders only, a page at a time: a folder of many files has its folders past any page of it.
    marker = request.GET.get("marker", "")
    listing = selectors.folder_listing(
        pds=pds, folder_id=folder_id, sort="name", direction="asc", marker=marker, only_folders=True
    )
    folders = [item for item in listing.items if item["file_id"] not in selected]
    back = back_to(request)  # a page of this site, for the Cancel link and after the change
    chosen = [("all_in", all_in)] if all_in else [("ids", file_id) for file_id in selected]
    base = [("op", operation), ("next", back), *chosen]
    context = {"operation": operation, "listing": listing, "folders": folders, "folder_id": folder_id, "ids": selected}
    context.update(all_in=all_in, drive_scope=scope, with_top=not in_part)
    return render(request, "files/pick.html", {**context, "next": back, "query_base": urlencode(base)})


@login_required
@pds_page
@require_GET
def task(request: HttpRequest, async_task_id: str) -> HttpResponse:
    state = selectors.task_state(pds=UserPds.of(request), async_task_id=async_task_id)
    if state["state"] == "Running":
        response = render(request, "files/task.html", {"state": state, "next": back_to(request)})
        response["Refresh"] = "1"
        return response
    if state["state"] == "Succeed":
        messages.success(request, _("Done."))
        return redirect(back_to(request))
    # Failed (a job whose worker kept dying ends so too): say why, and stop refreshing.
    return render(request, "files/task.html", {"state": state, "next": back_to(request), "failed": True})


@login_required
@pds_page
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    pds = UserPds.of(request)
    items, next_marker = selectors.trash_listing(pds=pds, marker=request.GET.get("marker", ""))
    rows = selectors.located(pds=pds, items=items)  # each with where it was
    return render(request, "files/trash.html", {"rows": rows, "next_marker": next_marker})


@login_required
@pds_page
@require_POST
def trash_empty(request: HttpRequest) -> HttpResponse:
    task_id = services.trash_empty(pds=UserPds.of(request))
    return redirect(f"{reverse('files:task', args=[task_id])}?{urlencode({'next': reverse('files:trash')})}")


@login_required
@pds_page
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    modified = request.GET.get("modified", "")
    pds = UserPds.of(request)
    items, next_marker = selectors.file_search(
        pds=pds, text=text, kind=kind, modified_after=modified, marker=request.GET.get("marker", "")
    )
    types = [
        ("folder", _("Folders")),
        ("file", _("Files")),
        ("image", _("Images")),
        ("video", _("Videos")),
        ("audio", _("Audio")),
        ("doc", _("Documents")),
    ]
    rows = selectors.located(pds=pds, items=items)  # each with its folder's path
    context = {"rows": rows, "q": text, "type": kind, "modified": modified, "next_marker": next_marker}
    return render(request, "files/search.html", {**context, "types": types})


@login_required
@pds_page
@require_GET
def download(request: HttpRequest, file_id: str) -> HttpResponseBase:
    """Stream the file from the PDS, passing Range and If-Range through so downloads resume
    and videos seek; or, where configured, redirect to the signed URL."""
    item, signed = selectors.file_download_target(pds=UserPds.of(request), file_id=file_id)
    return proxy_download(request, signed["url"], item, blob_uri=signed.get("x_accel_uri") or "")


@login_required
@pds_page
@require_GET
def thumbnail(request: HttpRequest, file_id: str) -> HttpResponseBase:
    """Image thumbnails through Drive, so pages load images only from their own origin."""
    upstream, chunks = selectors.file_thumbnail_open(pds=UserPds.of(request), file_id=file_id)
    stream = closing_stream(upstream, chunks)
    response = StreamingHttpResponse(stream, status=upstream.status_code, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def preview_kind(item: dict[str, Any]) -> str:
    content_type = item.get("content_type") or ""
    if item.get("file_extension") in TEXT_EXTENSIONS:
        return "text"
    if content_type.startswith(("image/svg", "text/html")) or not content_type.startswith(INLINE_TYPES):
        return "none"
    return content_type.split("/")[0] if not content_type.endswith("pdf") else "pdf"


@xframe_options_sameorigin
@login_required
@pds_page
@require_GET
def inline(request: HttpRequest, file_id: str) -> HttpResponseBase:
    """The bytes for <img>, <video>, <audio> and the PDF frame: inline only for those types,
    always sandboxed; everything else is an attachment."""
    pds = UserPds.of(request)
    item, url = selectors.file_download_url(pds=pds, file_id=file_id, opaque=False)
    kind = preview_kind(item)
    if kind not in ("image", "video", "audio", "pdf"):
        # Not for showing: the attachment, as opaque bytes whichever way they travel.
        item, url = selectors.file_download_url(pds=pds, file_id=file_id)
        return proxy_download(request, url, item)
    response = proxy_download(request, url, item, as_attachment=False)
    if kind == "pdf":
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@login_required
@pds_page
@require_POST
def download_zip(request: HttpRequest) -> HttpResponseBase:
    """A folder or a selection as one zip, streamed: no temporary file, each file's bytes
    fetched from the PDS only when the zip reaches it."""
    form = ZipForm(request.POST)
    if not form.is_valid() or not (form.cleaned_data["ids"] or form.cleaned_data["all_in"]):
        messages.error(request, _("Select one or more items first."))
        return redirect(back_to(request))
    pds = UserPds.of(request)
    all_in = form.cleaned_data["all_in"]
    if all_in:  # "all N in this folder": its items, no more than a zip may hold
        file_ids = selectors.folder_child_ids(pds=pds, folder_id=all_in, limit=selectors.MAX_ZIP_ENTRIES + 1)
    else:
        file_ids = form.cleaned_data["ids"]
    if not file_ids:
        messages.error(request, _("This folder is empty."))
        return redirect(back_to(request))
    entries = selectors.zip_entries(pds=pds, file_ids=file_ids)
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED, sized=False)
    for path, file_id in entries:
        if file_id is None:
            archive.mkdir(path)
        else:
            archive.add(selectors.file_bytes(pds=pds, file_id=file_id), path)
    name = entries[0][0].split("/", 1)[0] + ".zip" if len(file_ids) == 1 else "drive.zip"
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""The drive pages. Thin: parse, call one service, render. PDS errors become messages in
one place (files.pds_errors)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
import zipstream

from accounts.services import pds_client
from files import services
from files.http import closing_stream, content_disposition, proxy_download
from files.pds_errors import pds_page

OPERATIONS = {"trash", "restore", "delete", "move", "copy"}
DONE = {
    "trash": gettext_lazy("Moved to trash"),
    "restore": gettext_lazy("Restored"),
    "delete": gettext_lazy("Deleted forever"),
    "move": gettext_lazy("Moved"),
    "copy": gettext_lazy("Copied"),
}
# PDS errors that are about what the person asked: shown next to it, not as an error page.
USER_ERRORS = (
    services.pds_errors.InvalidParameter,
    services.pds_errors.AlreadyExist,
    services.pds_errors.QuotaExhausted,
    services.pds_errors.Forbidden,
    services.pds_errors.NotFound,
)


def _view_prefs(request) -> tuple[str, str, str]:
    """Sort, direction and view (list or grid), remembered in the session."""
    prefs = request.session.get("drive_view", {"sort": "name", "dir": "asc", "view": "list"})
    for key, allowed in (("sort", services.SORTS), ("dir", ("asc", "desc")), ("view", ("list", "grid"))):
        value = request.GET.get(key)
        if value in allowed:
            prefs[key] = value
    request.session["drive_view"] = prefs
    return prefs["sort"], prefs["dir"], prefs["view"]


def back_to(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else fallback


@login_required
@pds_page
@require_GET
def folder(request, folder_id: str = services.ROOT):
    sort, direction, view = _view_prefs(request)
    marker = request.GET.get("marker", "")
    partial = request.GET.get("partial") == "1"
    listing = services.folder_listing(request.user, folder_id=folder_id, sort=sort, direction=direction, marker=marker, with_breadcrumbs=not partial)
    context = {
        "listing": listing,
        "folder_id": folder_id,
        "sort": sort,
        "dir": direction,
        "view": view,
        "next_page": f"?{urlencode({'marker': listing.next_marker, 'partial': '1'})}" if listing.next_marker else "",
    }
    if partial:
        return render(request, "files/_rows.html", context)
    return render(request, "files/folder.html", context)


@login_required
@pds_page
@require_POST
def folder_create(request):
    parent_id = request.POST.get("parent_id") or services.ROOT
    name = request.POST.get("name", "").strip()
    try:
        services.folder_create(request.user, parent_id=parent_id, name=name)
    except USER_ERRORS as error:
        messages.error(request, _("Could not create the folder: %(reason)s") % {"reason": error.message})
        return redirect(back_to(request))
    messages.success(request, _("Folder “%(name)s” created") % {"name": name})
    return redirect(back_to(request))


@login_required
@pds_page
def rename(request, file_id: str):
    item = services.file_get(request.user, file_id)
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        try:
            services.file_rename(request.user, file_id=file_id, name=name)
        except USER_ERRORS as error:
            return render(request, "files/rename.html", {"item": item, "error": error.message, "name": name, "next": back_to(request)}, status=400)
        messages.success(request, _("Renamed to “%(name)s”") % {"name": name})
        return redirect(back_to(request))
    return render(request, "files/rename.html", {"item": item, "name": item["name"], "next": back_to(request)})


@login_required
@pds_page
@require_POST
def apply(request):
    """One form for the selection: trash, restore, delete forever, move or copy."""
    operation = request.POST.get("operation", "")
    file_ids = [file_id for file_id in request.POST.getlist("ids") if file_id]
    if operation not in OPERATIONS or not file_ids:
        messages.error(request, _("Select one or more items first."))
        return redirect(back_to(request))
    if operation in ("move", "copy") and not request.POST.get("target_id"):
        query = urlencode([("op", operation), ("next", back_to(request))] + [("ids", file_id) for file_id in file_ids])
        return redirect(f"{reverse('files:pick')}?{query}")
    try:
        tasks = services.files_apply(request.user, operation=operation, file_ids=file_ids, target_id=request.POST.get("target_id", ""))
    except USER_ERRORS as error:
        messages.error(request, error.message)
        return redirect(back_to(request))
    if tasks:
        messages.info(request, _("Working on it: large folders take a moment."))
        return redirect(f"{reverse('files:task', args=[tasks[0]])}?{urlencode({'next': back_to(request)})}")
    messages.success(request, f"{DONE[operation]} ({len(file_ids)})")
    return redirect(back_to(request))


@login_required
@pds_page
@require_GET
def pick(request):
    """The folder picker for move and copy: browse folders, then choose "here"."""
    operation = request.GET.get("op", "move")
    folder_id = request.GET.get("folder", services.ROOT)
    listing = services.folder_listing(request.user, folder_id=folder_id, sort="name", direction="asc")
    selected = request.GET.getlist("ids")
    folders = [item for item in listing.items if item["type"] == "folder" and item["file_id"] not in selected]
    base = [("op", operation), ("next", request.GET.get("next", "/"))] + [("ids", file_id) for file_id in selected]
    return render(request, "files/pick.html", {
        "operation": operation, "listing": listing, "folders": folders, "folder_id": folder_id, "ids": selected,
        "next": request.GET.get("next", "/"), "query_base": urlencode(base),
    })


@login_required
@pds_page
@require_GET
def task(request, async_task_id: str):
    state = services.task_state(request.user, async_task_id)
    if state["state"] == "Running":
        response = render(request, "files/task.html", {"state": state, "next": back_to(request)})
        response["Refresh"] = "1"
        return response
    if state["state"] == "Succeed":
        messages.success(request, _("Done."))
    else:
        messages.error(request, state.get("error_message") or _("The operation failed."))
    return redirect(back_to(request))


@login_required
@pds_page
@require_GET
def trash(request):
    items, next_marker = services.trash_listing(request.user, marker=request.GET.get("marker", ""))
    return render(request, "files/trash.html", {"items": items, "next_marker": next_marker})


@login_required
@pds_page
@require_POST
def trash_empty(request):
    task_id = services.trash_empty(request.user)
    return redirect(f"{reverse('files:task', args=[task_id])}?{urlencode({'next': reverse('files:trash')})}")


@login_required
@pds_page
@require_GET
def search(request):
    text = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    modified = request.GET.get("modified", "")
    items, next_marker = services.search(request.user, text=text, kind=kind, modified_after=modified, marker=request.GET.get("marker", ""))
    types = [("folder", _("Folders")), ("file", _("Files")), ("image", _("Images")), ("video", _("Videos")), ("audio", _("Audio")), ("doc", _("Documents"))]
    return render(request, "files/search.html", {"items": items, "q": text, "type": kind, "modified": modified, "next_marker": next_marker, "types": types})


@login_required
@pds_page
@require_GET
def download(request, file_id: str):
    """Stream the file from the PDS, passing Range and If-Range through so downloads resume
    and videos seek; or, where configured, redirect to the signed URL."""
    item, url = services.download_url(request.user, file_id)
    return proxy_download(request, url, item)




@login_required
@pds_page
@require_GET
def thumbnail(request, file_id: str):
    """Image thumbnails through Drive, so pages load images only from their own origin."""
    url = services.thumbnail_url(request.user, file_id)
    upstream, chunks = pds_client().download(url)
    response = StreamingHttpResponse(closing_stream(upstream, chunks), status=upstream.status_code, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Types shown inside the page. HTML, SVG and anything unknown never render on Drive's
# origin: they are offered as downloads only.
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "video/", "audio/", "application/pdf")
TEXT_EXTENSIONS = {"txt", "md", "csv", "log", "json", "xml", "yaml", "yml", "py", "js", "css", "ini", "toml", "sh"}
TEXT_PREVIEW_BYTES = 256 * 1024


def preview_kind(item: dict) -> str:
    content_type = item.get("content_type") or ""
    if item.get("file_extension") in TEXT_EXTENSIONS:
        return "text"
    if content_type.startswith(("image/svg", "text/html")) or not content_type.startswith(INLINE_TYPES):
        return "none"
    return content_type.split("/")[0] if not content_type.endswith("pdf") else "pdf"


@login_required
@pds_page
@require_GET
def preview(request, file_id: str):
    item, url = services.download_url(request.user, file_id)
    kind = preview_kind(item)
    text = None
    if kind == "text":
        upstream, chunks = pds_client().download(url, headers={"Range": f"bytes=0-{TEXT_PREVIEW_BYTES - 1}"})
        with upstream:
            text = b"".join(chunks).decode("utf-8", errors="replace")
    return render(request, "files/preview.html", {"item": item, "kind": kind, "text": text, "truncated": item["size"] > TEXT_PREVIEW_BYTES})


@xframe_options_sameorigin
@login_required
@pds_page
@require_GET
def inline(request, file_id: str):
    """The bytes for <img>, <video>, <audio> and the PDF frame: inline only for those types,
    always sandboxed; everything else is an attachment."""
    item, url = services.download_url(request.user, file_id)
    kind = preview_kind(item)
    response = proxy_download(request, url, item, disposition="inline" if kind in ("image", "video", "audio", "pdf") else "attachment")
    if kind == "pdf":
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@login_required
@pds_page
@require_POST
def download_zip(request):
    """A folder or a selection as one zip, streamed: no temporary file, each file's bytes
    fetched from the PDS only when the zip reaches it."""
    file_ids = [file_id for file_id in request.POST.getlist("ids") if file_id]
    if not file_ids:
        messages.error(request, _("Select one or more items first."))
        return redirect(back_to(request))
    entries = services.zip_entries(request.user, file_ids)
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED, sized=False)
    for path, file_id in entries:
        if file_id is None:
            archive.mkdir(path)
        else:
            archive.add(services.file_bytes(request.user, file_id), path)
    name = entries[0][0].split("/", 1)[0] + ".zip" if len(file_ids) == 1 else "drive.zip"
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response

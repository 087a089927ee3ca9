"""Share pages: create a link, list and cancel them, and the public page of a link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.user_pds import UserPds
from files import selectors, shares
from files.decorators import pds_page, share_page
from files.drive_scope import outside_drive
from files.errors import ABOUT_THE_REQUEST, message_of
from files.forms import ShareCreateForm, SharePasswordForm
from files.http import closing_stream, content_disposition, proxy_download
from files.templatetags.drive import pds_time
from pds_client import errors as pds_errors


@login_required
@pds_page
@require_http_methods(["GET", "POST"])
def share_create(request: HttpRequest, file_id: str) -> HttpResponse:
    pds = UserPds.of(request)
    item = selectors.file_get(pds=pds, file_id=file_id)
    if request.method == "GET":
        return render(request, "files/share_create.html", {"item": item})
    form = ShareCreateForm(request.POST)
    if not form.is_valid():
        return render(
            request, "files/share_create.html", {"item": item, "error": _("Enter whole numbers.")}, status=400
        )
    try:
        share = shares.share_create(
            pds=pds,
            file_ids=[file_id],
            password=form.cleaned_data["password"],
            expires_in_days=form.cleaned_data["expires_in_days"],
            download_limit=form.cleaned_data["download_limit"],
        )
    except pds_errors.InvalidParameter as error:
        return render(request, "files/share_create.html", {"item": item, "error": error.message}, status=400)
    # A public link is no drive's page, wherever it was made (files.drive_scope).
    link = request.build_absolute_uri(outside_drive(request, reverse("files:share_public", args=[share["share_id"]])))
    return render(request, "files/share_created.html", {"item": item, "share": share, "link": link})


@login_required
@pds_page
@require_GET
def share_list(request: HttpRequest) -> HttpResponse:
    """The user's live links, newest first; `q` finds those whose name holds it."""
    query = request.GET.get("q", "").strip()
    items, next_marker = shares.shares_find(pds=UserPds.of(request), name=query, marker=request.GET.get("marker", ""))
    for share in items:
        share["link"] = request.build_absolute_uri(
            outside_drive(request, reverse("files:share_public", args=[share["share_id"]]))
        )
        moment = pds_time(share.get("expiration", ""))
        share["expires_on"] = moment.date().isoformat() if moment else ""
    context = {"shares": items, "query": query, "next_marker": next_marker}
    return render(request, "files/shares.html", context)


@login_required
@pds_page
@require_POST
def share_cancel(request: HttpRequest, share_id: str) -> HttpResponseBase:
    shares.share_cancel(pds=UserPds.of(request), share_id=share_id)
    messages.success(request, _("The link no longer works."))
    return redirect("files:shares")


@share_page
@require_http_methods(["GET", "POST"])
def share_public(request: HttpRequest, share_id: str, folder_id: str = "root") -> HttpResponseBase:
    about = shares.share_about(share_id=share_id)
    token = shares.share_token_in(session=request.session, share_id=share_id)
    if token is None:
        if about.get("has_pwd") and request.method != "POST":
            return render(request, "files/share_password.html", {"about": about})
        password = SharePasswordForm(request.POST)
        password.is_valid()  # one optional free-text field: always valid
        try:
            token = shares.share_unlock(
                session=request.session, share_id=share_id, password=password.cleaned_data.get("password", "")
            )
        except (pds_errors.Forbidden, pds_errors.InvalidResource):
            wrong = {"about": about, "error": _("That password is not right.")}
            return render(request, "files/share_password.html", wrong, status=403)
        if request.method == "POST":
            return redirect("files:share_public", share_id=share_id)
    # An album's link (its `story_id`): a gallery of its photos at the sizes the PDS keeps
    # for them, the other files (videos, pictures without a preview) listed below it.
    album = bool(about.get("story_id"))
    grid_size, large_size = ("photo", "full") if album else ("grid", "large")
    folder, page = shares.shared_listing(
        share_id=share_id, share_token=token, folder_id=folder_id, marker=request.GET.get("marker", ""), size=grid_size
    )
    items = page["items"]
    images = [item for item in items if item.get("category") == "image" and item.get("thumbnail_urls")]
    if album:
        items = [item for item in items if item not in images]
    context = {"about": about, "share_id": share_id, "folder": folder, "items": items, "images": images}
    context.update(album=album, grid_size=grid_size, large_size=large_size)
    # Large previews and "Download all" only while the link allows downloads.
    context["downloads"] = shares.downloads_refused(about) is None
    return render(request, "files/share_public.html", {**context, "next_marker": page["next_marker"]})


@share_page
@require_GET
def share_download(request: HttpRequest, share_id: str, file_id: str) -> HttpResponseBase:
    token = shares.share_token_in(session=request.session, share_id=share_id)
    if token is None:
        return redirect("files:share_public", share_id=share_id)
    item, url = shares.shared_download(share_id=share_id, share_token=token, file_id=file_id)
    return proxy_download(request, url, item)


@share_page
@require_POST
def share_save(request: HttpRequest, share_id: str, file_id: str) -> HttpResponseBase:
    token = shares.share_token_in(session=request.session, share_id=share_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('files:share_public', args=[share_id])}")
    if token is None:
        return redirect("files:share_public", share_id=share_id)
    shares.shared_save(pds=UserPds.of(request), share_id=share_id, share_token=token, file_id=file_id)
    messages.success(request, _("Saved a copy to your drive."))
    return redirect("files:share_public", share_id=share_id)


@share_page
@require_GET
def share_thumbnail(request: HttpRequest, share_id: str, file_id: str) -> HttpResponseBase:
    """An image of the share, made small ("grid") or screen-sized ("large"): a JPEG the PDS
    makes, served from Drive's origin; previews do not count against the download limit, and
    the large one is refused (403) while the link allows no downloads."""
    size = request.GET.get("size", "grid")
    token = shares.share_token_in(session=request.session, share_id=share_id)
    if token is None or size not in shares.SHARE_THUMBNAILS:
        raise Http404
    upstream, chunks = shares.shared_thumbnail_open(share_id=share_id, share_token=token, file_id=file_id, size=size)
    response = StreamingHttpResponse(closing_stream(upstream, chunks), status=upstream.status_code)
    response["Content-Type"] = "image/jpeg"
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@share_page
@require_POST
def share_zip(request: HttpRequest, share_id: str) -> HttpResponseBase:
    """Everything the link holds as one zip, streamed like the drive's own (files.views.download_zip);
    each file counts as one download of the link."""
    token = shares.share_token_in(session=request.session, share_id=share_id)
    if token is None:
        return redirect("files:share_public", share_id=share_id)
    about = shares.share_about(share_id=share_id)
    shares.check_downloads(about)  # turned off or used up: a 403 page (share_page)
    try:
        stream = shares.shared_zip(share_id=share_id, share_token=token, about=about)
    except ABOUT_THE_REQUEST as error:
        messages.error(request, message_of(error))
        return redirect("files:share_public", share_id=share_id)
    name = about.get("share_name") or "share"
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(f"{name}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""Share pages: create a link, list and cancel them, and the public page of a link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from files import services, shares
from files.http import proxy_download
from files.pds_errors import pds_page
from pds_client import errors as pds_errors


@login_required
@pds_page
@require_http_methods(["GET", "POST"])
def share_create(request, file_id: str):
    item = services.file_get(request.user, file_id)
    if request.method == "GET":
        return render(request, "files/share_create.html", {"item": item})
    try:
        days = max(0, min(int(request.POST.get("expires_in_days") or 0), 3650))
        limit = max(0, int(request.POST.get("download_limit") or 0))
    except ValueError:
        return render(request, "files/share_create.html", {"item": item, "error": _("Enter whole numbers.")}, status=400)
    try:
        share = shares.share_create(request.user, file_ids=[file_id], password=request.POST.get("password", ""), expires_in_days=days, download_limit=limit)
    except pds_errors.InvalidParameter as error:
        return render(request, "files/share_create.html", {"item": item, "error": error.message}, status=400)
    link = request.build_absolute_uri(reverse("files:share_public", args=[share["share_id"]]))
    return render(request, "files/share_created.html", {"item": item, "share": share, "link": link})


@login_required
@pds_page
@require_GET
def share_list(request):
    items = shares.shares_of(request.user)
    for share in items:
        share["link"] = request.build_absolute_uri(reverse("files:share_public", args=[share["share_id"]]))
    return render(request, "files/shares.html", {"shares": items})


@login_required
@pds_page
@require_POST
def share_cancel(request, share_id: str):
    shares.share_cancel(request.user, share_id)
    messages.success(request, _("The link no longer works."))
    return redirect("files:shares")


def _public(view):
    """Public share pages: an unknown, cancelled or expired link is a plain 404 page."""

    def wrapped(request, share_id: str, *args, **kwargs):
        try:
            return view(request, share_id, *args, **kwargs)
        except pds_errors.NotFound:
            return render(request, "files/share_gone.html", status=404)
        except pds_errors.ShareLinkTokenInvalid:
            return redirect("files:share_public", share_id=share_id)
        except pds_errors.Forbidden as error:
            return render(request, "files/share_gone.html", {"message": error.message}, status=403)
        except pds_errors.ServiceUnavailable:
            return render(request, "files/unavailable.html", status=503)
        except pds_errors.PDSError as error:
            status = error.status if error.status and 400 <= error.status < 500 else 502
            return render(request, "files/share_gone.html", {"message": error.message}, status=status)

    return wrapped


@_public
@require_http_methods(["GET", "POST"])
def share_public(request, share_id: str, folder_id: str = "root"):
    about = shares.share_about(share_id)
    token = shares.share_token_in(request.session, share_id)
    if token is None:
        if about.get("has_pwd") and request.method != "POST":
            return render(request, "files/share_password.html", {"about": about})
        try:
            token = shares.share_unlock(request.session, share_id, request.POST.get("password", ""))
        except (pds_errors.Forbidden, pds_errors.InvalidResource):
            return render(request, "files/share_password.html", {"about": about, "error": _("That password is not right.")}, status=403)
        if request.method == "POST":
            return redirect("files:share_public", share_id=share_id)
    folder, page = shares.shared_listing(share_id, token, folder_id, marker=request.GET.get("marker", ""))
    return render(request, "files/share_public.html", {"about": about, "share_id": share_id, "folder": folder, "items": page["items"], "next_marker": page["next_marker"]})


@_public
@require_GET
def share_download(request, share_id: str, file_id: str):
    token = shares.share_token_in(request.session, share_id)
    if token is None:
        return redirect("files:share_public", share_id=share_id)
    item, url = shares.shared_download(share_id, token, file_id)
    return proxy_download(request, url, item)


@_public
@require_POST
def share_save(request, share_id: str, file_id: str):
    token = shares.share_token_in(request.session, share_id)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('files:share_public', args=[share_id])}")
    if token is None:
        return redirect("files:share_public", share_id=share_id)
    shares.shared_save(request.user, share_id, token, file_id)
    messages.success(request, _("Saved a copy to your drive."))
    return redirect("files:share_public", share_id=share_id)

"""The folder page's panels: the viewer's content, the details panel, and the share dialog's
JSON endpoints; and the preview page (the viewer's content as a page, for a new tab or no JS)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from accounts.user_pds import UserPds
from files import activity, selectors, shares
from files.decorators import json_api, pds_page
from files.drive_scope import outside_drive
from files.errors import ShareFieldInvalid
from files.me import my_pds_user_id
from files.templatetags.drive import pds_time
from files.views import TEXT_PREVIEW_BYTES, preview_kind

JSON = dict[str, Any]


class ShareSettingsForm(forms.Form):
    """The share dialog's fields (a JSON body)."""

    expires_on = forms.DateField(required=False)
    password = forms.CharField(required=False, strip=False, max_length=64)
    remove_password = forms.BooleanField(required=False)
    download_limit = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not password.isascii():
            raise forms.ValidationError(_("Use letters, digits and punctuation of the English keyboard."))
        return password

    def clean_download_limit(self) -> int:
        return self.cleaned_data["download_limit"] or 0


# The JSON type each field must have (download_limit also as the text of a number input),
# and what the dialog shows next to the field when it has another.
FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "expires_on": ((str, type(None)), gettext_noop("Enter a day as YYYY-MM-DD, or nothing for no expiry.")),
    "password": ((str,), gettext_noop("Enter the password as text.")),
    "remove_password": ((bool,), gettext_noop("Send true or false.")),
    "download_limit": ((int, str, type(None)), gettext_noop("Enter a whole number.")),
}


def _settings(body: JSON) -> dict[str, Any]:
    """The form's values, or ShareFieldInvalid naming the first field that is wrong."""
    for field, (types, message) in FIELD_TYPES.items():
        value = body.get(field)
        if field in body and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types)):
            raise ShareFieldInvalid(field, _(message))
    form = ShareSettingsForm({key: value for key, value in body.items() if value is not None})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ShareFieldInvalid(field, str(errors[0]))
    return form.cleaned_data


def share_json(request: HttpRequest, share: JSON) -> JSON:
    moment = pds_time(share.get("expiration", ""))
    return {
        "share_id": share["share_id"],
        # A public link is no drive's page, wherever it was made (files.drive_scope).
        "url": request.build_absolute_uri(
            outside_drive(request, reverse("files:share_public", args=[share["share_id"]]))
        ),
        "expiration": share.get("expiration", ""),
        "expires_on": moment.date().isoformat() if moment else "",
        "has_pwd": bool(share.get("has_pwd")),
        "download_limit": share.get("download_limit") or 0,
        "download_count": share.get("download_count") or 0,
    }


@login_required
@pds_page
@require_GET
def preview(request: HttpRequest, file_id: str) -> HttpResponse:
    """The viewer's content: a fragment for the viewer (`?fragment=1`), else the whole page."""
    pds = UserPds.of(request)
    item, url = selectors.file_download_url(pds=pds, file_id=file_id)
    kind = preview_kind(item)
    text = selectors.file_text_head(pds=pds, url=url, size=TEXT_PREVIEW_BYTES) if kind == "text" else None
    context = {"item": item, "kind": kind, "text": text, "truncated": item["size"] > TEXT_PREVIEW_BYTES}
    if request.GET.get("fragment") == "1":
        return render(request, "files/_preview_body.html", context)
    path = selectors.file_path(pds=pds, item=item)
    return render(request, "files/preview.html", {**context, "path": path})


@login_required
@pds_page
@require_GET
def details(request: HttpRequest, file_id: str) -> HttpResponse:
    """The details panel's content (a fragment)."""
    pds = UserPds.of(request)
    item = selectors.file_get(pds=pds, file_id=file_id)
    links = [share_json(request, share) for share in shares.shares_of_file(pds=pds, file_id=file_id)]
    me = my_pds_user_id(request)
    mine = bool(me) and item.get("creator_id") == me
    creator = item.get("creator_name") or ("" if mine else item.get("creator_id", ""))
    context = {
        "item": item,
        "path": selectors.file_path(pds=pds, item=item),
        "links": links,
        "creator": creator,
        "mine": mine,
    }
    # The first page of the file's activity (files/_activity.html), None when not shown to this person.
    found = activity.file_activity_or_none(pds=pds, file_id=file_id, me=me)
    context.update(activity=found[0] if found else None, activity_next=found[1] if found else "", file_id=file_id)
    return render(request, "files/_details.html", context)


@require_http_methods(["GET", "POST"])
@json_api
def file_shares(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """GET: the item and its links. POST: a new link for it."""
    pds = UserPds.of(request)
    item = selectors.file_get(pds=pds, file_id=file_id)
    about = {"file_id": item["file_id"], "name": item["name"], "type": item["type"]}
    if request.method == "GET":
        links = shares.shares_of_file(pds=pds, file_id=file_id)
        return {"item": about, "shares": [share_json(request, share) for share in links]}
    fields = _settings(body)
    share = shares.share_create(
        pds=pds,
        file_ids=[file_id],
        password=fields["password"],
        download_limit=fields["download_limit"],
        expires_on=fields["expires_on"],
    )
    return {"item": about, "share": share_json(request, share)}


@require_http_methods(["POST"])
@json_api
def share_update(request: HttpRequest, body: JSON, share_id: str) -> JSON:
    """New settings for a link: only the fields the body holds change."""
    fields = _settings(body)
    share = shares.share_update(
        pds=UserPds.of(request),
        share_id=share_id,
        change_expiry="expires_on" in body,
        expires_on=fields["expires_on"],
        download_limit=fields["download_limit"] if "download_limit" in body else None,
        password=fields["password"],
        remove_password=fields["remove_password"],
    )
    return {"share": share_json(request, share)}

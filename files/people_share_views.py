"""The share dialog's "People with access" (static/js/share-dialog.js, people-picker.js): who has
access to an item, the people and groups "Add people" offers, and giving, changing and
taking away a role. JSON endpoints (files.decorators.json_api)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.user_pds import UserPds
from files import people_shares
from files.decorators import json_api
from files.errors import InvalidInput
from files.me import my_name, my_pds_user_id

JSON = dict[str, Any]


class MemberForm(forms.Form):
    """A user or a group, and (to add or change) the role to give."""

    type = forms.ChoiceField(choices=[("user", "user"), ("group", "group")])
    id = forms.CharField(max_length=64)
    role = forms.ChoiceField(
        choices=[(name, name) for name in people_shares.ROLES],
        required=False,
        error_messages={"invalid_choice": _("Choose Viewer or Editor.")},
    )
    role_id = forms.CharField(max_length=64, required=False)


def _member(body: JSON, *, needs: str) -> dict[str, Any]:
    form = MemberForm({key: value for key, value in body.items() if isinstance(value, str)})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise InvalidInput(f"{field}: {errors[0]}")
    if not form.cleaned_data[needs]:
        raise InvalidInput(str(_("Choose Viewer or Editor.")) if needs == "role" else f"{needs}: required")
    return form.cleaned_data


def _access(request: HttpRequest, pds: UserPds, file_id: str) -> JSON:
    me = my_pds_user_id(request)
    access = people_shares.access_of(pds=pds, file_id=file_id, me=me, my_name=my_name(request))
    for member in access["members"]:
        member["role_label"] = people_shares.role_label(member["role"])
        member["you"] = member["type"] == "user" and member["id"] == me
    return access


@require_GET
@json_api
def people(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """Who has access to the item, and whether the caller may change it."""
    return _access(request, UserPds.of(request), file_id)


@require_GET
@json_api
def people_search(request: HttpRequest, body: JSON) -> JSON:
    """Users and groups whose name holds `q`."""
    text = request.GET.get("q", "")[:100]
    return {"items": people_shares.people_find(pds=UserPds.of(request), text=text, me=my_pds_user_id(request))}


@require_POST
@json_api
def people_add(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """Give a user or group a role on the item (or change the one they have here)."""
    member = _member(body, needs="role")
    pds = UserPds.of(request)
    people_shares.access_grant(
        pds=pds, file_id=file_id, kind=member["type"], identity_id=member["id"], role=member["role"]
    )
    return _access(request, pds, file_id)


@require_POST
@json_api
def people_remove(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """Take away a user's or group's role on the item."""
    member = _member(body, needs="role_id")
    pds = UserPds.of(request)
    people_shares.access_remove(
        pds=pds, file_id=file_id, kind=member["type"], identity_id=member["id"], role_id=member["role_id"]
    )
    return _access(request, pds, file_id)

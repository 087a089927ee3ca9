"""The Duplicates review (templates/files/duplicates.html, static/js/duplicates.js): the
clusters of near-duplicate photos the last search found, a page at a time, and the search
run again (an async task of the PDS the page waits for). Trashing goes through the folder
page's endpoints (files.actions_api: trash, and restore for Undo). Logic in files/duplicates.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.user_pds import UserPds
from files import duplicates
from files.decorators import json_api, pds_page
from files.errors import InvalidInput

JSON = dict[str, Any]


@login_required
@pds_page
@require_GET
def duplicates_page(request: HttpRequest) -> HttpResponse:
    marker = request.GET.get("marker", "")[:512]
    pds = UserPds.of(request)
    clusters, next_marker = duplicates.clusters_page(pds=pds, marker=marker)
    next_page = f"{reverse('files:duplicates')}?{urlencode({'marker': next_marker})}" if next_marker else ""
    context = {
        "clusters": clusters,
        "next_page": next_page,
        "photos_nav": "duplicates",
        "first_page": not marker,
        # A recent search (running or done): the page waits for it rather than starting one.
        "last_find": duplicates.last_find(pds=pds) if not marker else "",
    }
    return render(request, "files/duplicates.html", context)


@require_POST
@json_api
def find_start(request: HttpRequest, body: JSON) -> JSON:
    """Look for the drive's duplicates again: {task_id} to ask about. {"again": false} (the
    page opening) gives the recent search's task, when there is one, instead of a new one."""
    again = body.get("again", True) is not False
    return {"task_id": duplicates.find_start(pds=UserPds.of(request), again=again)}


@require_GET
@json_api
def find_state(request: HttpRequest, body: JSON, task_id: str) -> JSON:
    """{state: Running | Succeed | PartialSucceed | Failed, error}."""
    if not task_id or len(task_id) > 128:
        raise InvalidInput("task_id: not a task.")
    state = duplicates.find_state(pds=UserPds.of(request), task_id=task_id)
    return {"state": state.state, "error": state.error}

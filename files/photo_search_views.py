"""The Photos search (templates/files/photo_search.html, static/js/photo-search.js): the
photos matching the box's words, as a grid the Photos viewer steps through. Logic in
files/photo_search.py."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.user_pds import UserPds
from files import photo_search
from files.albums_views import tile_json
from files.decorators import pds_page
from pds_client.albums_api import StoryFile


@login_required
@pds_page
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = photo_search.query_clean(request.GET.get("q", ""))
    marker = request.GET.get("marker", "")[:512]
    photos, next_page = [], ""
    if query:
        items, next_marker = photo_search.photos_matching(pds=UserPds.of(request), query=query, marker=marker)
        photos = [tile_json(cast(StoryFile, item)) for item in items]
        if next_marker:
            next_page = f"{reverse('files:photo_search')}?{urlencode({'q': query, 'marker': next_marker})}"
    context = {"photo_query": query, "photos": photos, "next_page": next_page, "photos_nav": "search"}
    return render(request, "files/photo_search.html", context)

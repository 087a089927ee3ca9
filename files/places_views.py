"""Places: the cities of the drive's photos, and one city's photos. Logic in files/places.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.user_pds import UserPds
from files import albums, places
from files.albums_views import thumbnail_url, tile_json
from files.decorators import pds_page

CITY_PAGE = 120


@login_required
@pds_page
@require_GET
def places_page(request: HttpRequest) -> HttpResponse:
    found = places.places_list(pds=UserPds.of(request))
    cards = [
        {
            "city": place.city,
            "region": place.region,
            "count": place.count,
            "cover_url": thumbnail_url(place.cover_file_id),
            "url": f"{reverse('files:place')}?{urlencode({'city': place.city})}",
        }
        for place in found
    ]
    return render(request, "files/places.html", {"places": cards, "photos_nav": "places"})


@login_required
@pds_page
@require_GET
def place_page(request: HttpRequest) -> HttpResponse:
    city = places.city_clean(request.GET.get("city", ""))
    marker = request.GET.get("marker", "")[:512]
    items, next_marker = albums.photos_page(pds=UserPds.of(request), city=city, marker=marker, limit=CITY_PAGE)
    photos = [tile_json(item) for item in items]
    next_page = f"?{urlencode({'city': city, 'marker': next_marker})}" if next_marker else ""
    context = {"city": city, "photos": photos, "next_page": next_page, "photos_nav": "place"}
    return render(request, "files/place.html", context)

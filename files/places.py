"""Places: the drive's photos grouped by the city they were taken in (PDS
`image/list_address_groups`), and one city's photos, newest first (`file/search`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.user_pds import UserPds
from files.albums import albums_api
from files.errors import InvalidInput
from pds_client.albums_api import AddressGroup

MAX_PLACE_PAGES = 10  # 1,000 cities
CITY_MAX = 200


@dataclass
class Place:
    city: str
    count: int
    cover_file_id: str
    region: str  # province and country, as a line under the city's name


def _place(group: AddressGroup) -> Place:
    detail = group.get("address_detail") or {}
    city = str(detail.get("city") or group.get("name") or "")
    region = ", ".join(str(part) for part in (detail.get("province"), detail.get("country")) if part and part != city)
    return Place(city, int(group.get("count") or 0), str(group.get("cover_file_id") or ""), region)


def places_list(*, pds: UserPds) -> list[Place]:
    """The cities of the drive's photos, the one with most photos first."""
    api, marker, places = albums_api(pds), "", []
    for _page in range(MAX_PLACE_PAGES):
        page = api.list_address_groups(pds.drive_id, marker=marker)
        places += [_place(group) for group in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    places = [place for place in places if place.city and place.count > 0]
    places.sort(key=lambda place: (-place.count, place.city.casefold()))
    return places


def city_clean(city: str) -> str:
    text = city.strip()
    if not text or len(text) > CITY_MAX:
        raise InvalidInput(_("Choose a place."))
    return text

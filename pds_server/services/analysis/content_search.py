"""The one search box over photos: `keyword match "cat 2023"` (our extension of the search
language), and the analysis fields `image_tags`/`label` and `face_group_id`.

Every word of a keyword query must match the photo by at least one of: a word of the text
read in it (the content index, AnalysisTerm: an index range scan on `term`), a tag in any
language (ImageTag by its (tag, analysis) index), the name of a person of the searched
drive in it (PersonFace by drive and person), its name, its place (city, province,
country, district) or its date ("2023", "2023-07": the (drive, image_time) index).

The content conditions are uncorrelated `media_id IN (subquery)`: each index lookup runs
once per search, not once per file (a correlated EXISTS per file made a 100,000-photo
search take over a minute). Names and places are matched on the drive's rows by LIKE.
Conditions on what models found hold only in a domain with analysis on and only for the
searched drive's people (`drive_pk`; without it, no person matches).
"""

from __future__ import annotations

import functools
import operator
import re
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from pds_server.models import AnalysisTerm, Drive, ImageTag, PersonFace

MAX_WORDS = 8
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


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


NOTHING = Q(pk__in=[])


def analysis_on(drive_pk: int) -> bool:
    return Drive.objects.filter(pk=drive_pk, domain__image_analysis_enabled=True).exists()


def tags_q(keys: list[str], drive_pk: int | None) -> Q:
    if not keys or drive_pk is None or not analysis_on(drive_pk):
        return NOTHING
    return Q(media_id__in=ImageTag.objects.filter(tag__in=keys).values("analysis__media_id"))


def face_group_q(group_ids: list[str], drive_pk: int | None) -> Q:
    """Files showing one of these people of the searched drive."""
    if drive_pk is None or not analysis_on(drive_pk):
        return NOTHING
    people = PersonFace.objects.filter(drive_id=drive_pk, group__group_id__in=group_ids)
    return Q(media_id__in=people.values("face__analysis__media_id"))


def media_with_text(word: str) -> QuerySet | None:
    """Photos whose text holds the word: every term of it (CJK pairs) present; a Latin word
    also as the start of a longer one ("rec" finds "receipt"). None: no letter or digit."""
    from pds_server.services.analysis.text_terms import query_terms

    terms = query_terms(word)
    if not terms:
        return None
    if len(terms) == 1 and terms[0].isascii():
        term = terms[0]
        found = AnalysisTerm.objects.filter(term__gte=term, term__lt=term + "\uffff", term__startswith=term)
    else:
        found = AnalysisTerm.objects.filter(term=terms[0])
        for term in terms[1:]:
            found = AnalysisTerm.objects.filter(term=term, analysis_id__in=found.values("analysis_id"))
    return found.values("analysis__media_id")


def content_q(word: str, drive_pk: int | None) -> Q:
    """The word in the photo's text, tags, or the name of a person of the drive in it."""
    if drive_pk is None or not analysis_on(drive_pk):
        return NOTHING
    found: list[QuerySet] = [ImageTag.objects.filter(tag__in=tag_keys(word, prefix=True)).values("analysis__media_id")]
    found.append(
        PersonFace.objects.filter(drive_id=drive_pk, group__name__istartswith=word).values("face__analysis__media_id")
    )
    text = media_with_text(word)
    if text is not None:
        found.append(text)
    return functools.reduce(operator.or_, (Q(media_id__in=media) for media in found))


def place_q(word: str) -> Q:
    return functools.reduce(
        operator.or_,
        (Q(**{f"media__{column}__istartswith": word}) for column in ("city", "province", "country", "district")),
    )


def date_q(word: str) -> Q | None:
    """A year ("2023") or a month ("2023-07") of the capture time, within the years a
    capture time is believed (1826-2200); any other number is not a date."""
    match = _YEAR.match(word) or _MONTH.match(word)
    if match is None:
        return None
    year = int(match[1])
    month = int(match[2]) if match.re is _MONTH else None
    if not 1826 <= year <= 2200 or (month is not None and not 1 <= month <= 12):
        return None
    if month is None:
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    else:
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return Q(image_time__gte=start, image_time__lt=end)


def keyword_q(query: str, drive_pk: int | None) -> Q:
    """Every word of `query` matched by name, text, tag, person, place or date."""
    words = query.split()[:MAX_WORDS]
    if not words:
        return NOTHING
    conditions = []
    for word in words:
        options = [Q(name__icontains=word), place_q(word), content_q(word, drive_pk)]
        date = date_q(word)
        if date is not None:
            options.append(date)
        conditions.append(functools.reduce(operator.or_, options))
    return functools.reduce(operator.and_, conditions)

"""The one search box over photos (`keyword match`) and the analysis search fields, over rows
the analysis would have stored: each word must match by name, text, tag (any language),
person, place or date; words combine with AND; a photo matched several ways comes once;
another drive's people never match; domains with analysis off match by analysis nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pds_server.models import (
    AnalysisTerm,
    DetectedFace,
    Domain,
    FaceGroup,
    File,
    ImageAnalysis,
    ImageTag,
    MediaInfo,
    PersonFace,
)
from pds_server.services.analysis.pipeline import MODEL_VERSION
from pds_server.services.analysis.text_terms import terms_of_text

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def analysed(api, name: str, *, text: str = "", tags=(), taken=None, city: str = "", person: FaceGroup | None = None):
    """Upload a tiny file and give it the media and analysis rows the pipeline would write."""
    item = File.objects.get(file_id=api.upload(name, b"x" + name.encode())["file_id"])
    media = MediaInfo.objects.create(blob=item.blob, kind="image", state="done", city=city, width=10, height=10)
    File.objects.filter(pk=item.pk).update(media=media, image_time=taken or datetime(2020, 5, 1, tzinfo=UTC))
    analysis = ImageAnalysis.objects.create(media=media, state="done", ocr_text=text, model_version=MODEL_VERSION)
    ImageTag.objects.bulk_create(ImageTag(analysis=analysis, tag=tag, confidence=0.9) for tag in tags)
    AnalysisTerm.objects.bulk_create(AnalysisTerm(analysis=analysis, term=term) for term in terms_of_text(text))
    if person is not None:
        face = DetectedFace.objects.create(analysis=analysis, left=0, top=0, width=1, height=1, embedding=b"\0" * 512)
        PersonFace.objects.create(drive=item.drive, face=face, group=person)
    return item


def names(api, query: str) -> list[str]:
    found = api.ok("file/search", {"drive_id": api.drive_id, "query": query, "limit": 100})
    return sorted(item["name"] for item in found["items"])


def test_each_word_matches_by_name_text_tag_person_place_or_date(alice, bob):
    from pds_server.models import Drive

    drive = Drive.objects.get(pk=int(alice.drive_id))
    alice_person = FaceGroup.objects.create(drive=drive, group_id="g1", name="Alice Liddell")
    analysed(
        alice, "IMG_1.jpg", text="ACME Store\nTOTAL 12.50", tags=("document",), taken=datetime(2023, 7, 4, tzinfo=UTC)
    )
    analysed(alice, "IMG_2.jpg", tags=("cat", "animal"), taken=datetime(2023, 1, 2, tzinfo=UTC), city="Hangzhou")
    analysed(alice, "IMG_3.jpg", text="增值税发票", person=alice_person, taken=datetime(2021, 1, 1, tzinfo=UTC))
    analysed(alice, "beach day.jpg", tags=("cat",), person=alice_person, taken=datetime(2019, 8, 1, tzinfo=UTC))

    assert names(alice, 'keyword match "acme"') == ["IMG_1.jpg"]
    assert names(alice, 'keyword match "acm"') == ["IMG_1.jpg"]  # the start of a word in the text
    assert names(alice, 'keyword match "cat"') == ["IMG_2.jpg", "beach day.jpg"]
    assert names(alice, 'keyword match "猫"') == ["IMG_2.jpg", "beach day.jpg"]  # the tag's Chinese name
    assert names(alice, 'keyword match "cat 2023"') == ["IMG_2.jpg"]  # AND across words
    assert names(alice, 'keyword match "2023-07"') == ["IMG_1.jpg"]
    assert names(alice, 'keyword match "hangzhou"') == ["IMG_2.jpg"]
    assert names(alice, 'keyword match "alice"') == ["IMG_3.jpg", "beach day.jpg"]
    assert names(alice, 'keyword match "alice beach"') == ["beach day.jpg"]  # a person and a name
    assert names(alice, 'keyword match "增值税"') == ["IMG_3.jpg"]  # CJK pairs
    assert names(alice, 'keyword match "税票"') == []  # its characters, not its pairs
    assert names(alice, 'keyword match "zebra"') == []
    for not_a_date in ("9999", "0000", "9999-12", "2023-13", "1825"):  # numbers, never a 500
        assert names(alice, f'keyword match "{not_a_date}"') == [], not_a_date
    assert names(alice, 'image_tags = "cat"') == ["IMG_2.jpg", "beach day.jpg"]
    assert names(alice, 'label in ["document", "dog"]') == ["IMG_1.jpg"]
    assert names(alice, 'not image_tags = "cat" and keyword match "2023"') == ["IMG_1.jpg"]
    assert names(alice, 'face_group_id = "g1"') == ["IMG_3.jpg", "beach day.jpg"]

    # Bob's drive has a person with Alice's group id and name: his search sees only his own.
    bob_drive = Drive.objects.get(pk=int(bob.drive_id))
    FaceGroup.objects.create(drive=bob_drive, group_id="g1", name="Alice Liddell")
    analysed(bob, "bob.jpg", tags=("dog",))
    assert names(bob, 'keyword match "alice"') == []
    assert names(bob, 'face_group_id = "g1"') == []

    # Analysis off for the domain: only names, places and dates still match.
    Domain.objects.filter(drives__pk=int(alice.drive_id)).update(image_analysis_enabled=False)
    assert names(alice, 'keyword match "acme"') == []
    assert names(alice, 'keyword match "beach"') == ["beach day.jpg"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('keyword = "cat"', "keyword takes match"),
        ('face_group_id match "g"', "face_group_id takes"),
        ('image_tags prefix "ca"', "image_tags takes"),
        ('image_tags > "cat"', "does not work on image_tags"),
    ],
)
def test_malformed_analysis_queries_are_clear_400s(alice, query, message):
    reply = alice.call("file/search", {"drive_id": alice.drive_id, "query": query})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Query"
    assert message in reply.json()["message"]

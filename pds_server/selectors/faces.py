"""Reads of a drive's people (PDS face groups): one group, a page of them with their
covers, and the files that show a person (the search field `face_group_id`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pds_server import errors
from pds_server.models import Drive, FaceGroup, File, PersonFace
from pds_server.services.pagination import marker_decode, marker_encode

MARKER_KIND = "facegroups"


@dataclass(frozen=True)
class Cover:
    """A group's cover: the face (its PersonFace pk is the wire's face id), a listed file
    of the drive showing it, and the face's box in pixels of the photo as displayed."""

    face_pk: int
    file: File
    width: int
    height: int
    left: int
    top: int
    box_width: int
    box_height: int


def face_group_get(*, drive: Drive, group_id: str) -> FaceGroup:
    group = FaceGroup.objects.filter(drive=drive, group_id=group_id).first() if group_id else None
    if group is None:
        raise errors.NotFound("FaceGroup")
    return group


def face_group_media_q(drive: Drive, group_id: str) -> Q:
    """Files (of `drive`) whose photo shows the person `group_id`: a Q on File."""
    shown = PersonFace.objects.filter(drive=drive, group__drive=drive, group__group_id=group_id)
    return Q(drive=drive, media__in=shown.values("face__analysis__media"))


def face_groups_page(
    *, drive: Drive, limit: int, marker: str = "", remarks: str = ""
) -> tuple[list[FaceGroup], str, QuerySet[FaceGroup]]:
    """The drive's people shown in at least one listed file, most photographed first (then
    oldest first), keyset-paged on (image_count, pk). Also the whole filtered set, to count."""
    rows = FaceGroup.objects.filter(drive=drive, image_count__gt=0, drive__domain__image_analysis_enabled=True)
    if remarks:
        rows = rows.filter(remarks=remarks)
    matching = rows
    if marker:
        count, pk = marker_decode(marker, 2, kind=MARKER_KIND)
        if not isinstance(count, int) or not isinstance(pk, int):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        rows = rows.filter(Q(image_count__lt=count) | Q(image_count=count, pk__gt=pk))
    page = list(rows.order_by("-image_count", "pk")[: limit + 1])
    next_marker = ""
    if len(page) > limit:
        last = page[limit - 1]
        next_marker = marker_encode([last.image_count, last.pk], kind=MARKER_KIND)
    return page[:limit], next_marker, matching


def covers_of(*, drive: Drive, groups: list[FaceGroup]) -> dict[int, Cover]:
    """Each group's cover (by group pk), in two queries."""
    faces = PersonFace.objects.filter(pk__in=[group.cover_face_id for group in groups if group.cover_face_id])
    people = list(faces.select_related("face__analysis__media"))
    media_pks = {person.face.analysis.media_id for person in people}
    files: dict[int, File] = {}
    listed = File.objects.filter(drive=drive, trashed=False, status=File.Status.AVAILABLE, media_id__in=media_pks)
    for listed_file in listed.select_related("drive__domain", "media").order_by("-pk"):
        files[listed_file.media_id] = listed_file  # type: ignore[index]  # the oldest file wins
    covers: dict[int, Cover] = {}
    for person in people:
        face, media = person.face, person.face.analysis.media
        item = files.get(media.pk)
        if item is None or person.group_id is None:
            continue
        width, height = media.width or 0, media.height or 0
        covers[person.group_id] = Cover(
            face_pk=person.pk,
            file=item,
            width=width,
            height=height,
            left=round(face.left * width),
            top=round(face.top * height),
            box_width=round(face.width * width),
            box_height=round(face.height * height),
        )
    return covers

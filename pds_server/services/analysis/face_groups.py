"""People of a drive: faces of its photos grouped by who they are, and what users change.

A face (`DetectedFace`, per photo) becomes a `PersonFace` in each drive holding the photo;
each drive groups its faces among its own people (`FaceGroup`).

Grouping is incremental: a new face looks up its nearest faces in the drive (face_index.py,
an HNSW graph, not a scan) and joins the group most of those within SAME_PERSON hold, else
starts a group. SAME_PERSON is 0.5 (Euclidean, dlib's 128-d encoding): dlib's own line is
0.6, tuned on adult faces from the web (99.38 % on LFW); in a family library children and
relatives come closer than that, and a wrong merge must be undone photo by photo while a
person split in two is joined by the periodic re-clustering or one merge in the UI. Copies
of a photo (mirrored, resized) come within 0.2. Two faces of one photo are two people: a
face never joins a group another face of its photo is in.

`recluster_faces` (periodic) merges groups whose mean encodings came within SAME_PERSON,
named groups winning, never two differently named ones, never two with faces in one photo,
never one a face was taken out of; and gives groupless faces a group if one matches.

A user's removal of a photo from a group records the group in each of its faces'
`rejected_groups`: grouping and re-clustering never put them back. Grouping one drive is
serialised by a lock on its Drive row (SQLite serialises every writer anyway).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import transaction
from django.db.models import Count, F, QuerySet

from pds_server import errors
from pds_server.models import DetectedFace, Drive, FaceGroup, File, PersonFace
from pds_server.routers import PDS_DB
from pds_server.services.analysis import face_index
from pds_server.services.analysis.faces import FoundFace, embedding_from_bytes

SAME_PERSON = 0.5
NEIGHBOURS = 12  # nearest faces that vote on a new face's group
SAME_PLACE = 0.5  # intersection over union of two boxes that are the same face of a photo


def new_group_id() -> str:
    return secrets.token_hex(16)


def live_files(drive: Drive | int) -> QuerySet[File]:
    return File.objects.filter(drive=drive, trashed=False, status=File.Status.AVAILABLE)


def drives_with_faces() -> list[int]:
    return list(PersonFace.objects.values_list("drive_id", flat=True).distinct().order_by("drive_id"))


def locked_drive(drive_pk: int) -> Drive | None:
    """The drive, with its faces' lock held to the end of the transaction (one grouping at a
    time; services/analysis/locks.py), or None when it is gone or its domain has analysis off."""
    from pds_server.services.analysis.locks import FACES, drive_job_lock

    drive_job_lock(FACES, drive_pk)
    return Drive.objects.filter(pk=drive_pk, domain__image_analysis_enabled=True).first()


# --- Storing a photo's faces (called by the analysis pipeline) -----------------------------------


def overlap(face: DetectedFace, found: FoundFace) -> float:
    width = min(face.left + face.width, found.left + found.width) - max(face.left, found.left)
    height = min(face.top + face.height, found.top + found.height) - max(face.top, found.top)
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (face.width * face.height + found.width * found.height - shared)


def faces_store(*, analysis_pk: int, found: list[FoundFace]) -> None:
    """Write what detection found in a photo (in the caller's transaction). A face found
    again where it was (a new model version, an analysis run twice) keeps its row, with its
    new box and encoding: its group in every drive, and a user's removals, stay with it.
    Groups that lose a face get their counts and covers again."""
    kept: set[int] = set()
    fresh: list[DetectedFace] = []
    existing = list(DetectedFace.objects.filter(analysis_id=analysis_pk).order_by("pk"))
    for item in found:
        match = max(
            (face for face in existing if face.pk not in kept), key=lambda face: overlap(face, item), default=None
        )
        fields = {"left": item.left, "top": item.top, "width": item.width, "height": item.height}
        if match is not None and overlap(match, item) >= SAME_PLACE:
            kept.add(match.pk)
            DetectedFace.objects.filter(pk=match.pk).update(embedding=item.embedding, **fields)
        else:
            fresh.append(DetectedFace(analysis_id=analysis_pk, embedding=item.embedding, **fields))
    gone = DetectedFace.objects.filter(analysis_id=analysis_pk).exclude(pk__in=kept)
    left: dict[int, set[int]] = defaultdict(set)  # the groups, by drive, that lose a face
    for drive_pk, group_pk in PersonFace.objects.filter(face__in=gone, group__isnull=False).values_list(
        "drive_id", "group_id"
    ):
        left[drive_pk].add(group_pk)
    gone.delete()
    DetectedFace.objects.bulk_create(fresh)
    for drive in Drive.objects.filter(pk__in=list(left)):
        groups_refresh(drive=drive, group_pks=left[drive.pk])


# --- Incremental grouping ---------------------------------------------------------------------------


def neighbour_votes(drive_pk: int, vector: np.ndarray, *, excluded: set[int], skip: int = 0) -> dict[int, list[float]]:
    """The groups of the nearest grouped faces within SAME_PERSON (not `excluded`), each
    with those faces' distances, re-read from the database (the index may hold rows since
    deleted, or an older encoding)."""
    candidates = [pk for pk, _ in face_index.nearest(drive_pk, vector, NEIGHBOURS + 1) if pk != skip]
    rows = PersonFace.objects.filter(drive_id=drive_pk, pk__in=candidates, group__isnull=False)
    votes: dict[int, list[float]] = defaultdict(list)
    for group_pk, embedding in rows.values_list("group_id", "face__embedding"):
        distance = float(np.linalg.norm(vector - embedding_from_bytes(embedding)))
        if distance <= SAME_PERSON and group_pk not in excluded:
            votes[group_pk].append(distance)
    return votes


def elected(votes: dict[int, list[float]]) -> int | None:
    """The group most neighbours are in; of equals, the one nearer on average."""
    if not votes:
        return None
    return min(votes, key=lambda group_pk: (-len(votes[group_pk]), sum(votes[group_pk]) / len(votes[group_pk])))


def photo_groups(drive_pk: int, analysis_pk: int) -> set[int]:
    rows = PersonFace.objects.filter(drive_id=drive_pk, face__analysis_id=analysis_pk, group__isnull=False)
    return set(rows.values_list("group_id", flat=True))


def group_analysis_faces(drive_pk: int, analysis_pk: int) -> int:
    """Put the faces of one analysed photo among the drive's people; returns how many faces
    were new to the drive. Safe to run again: faces the drive already holds are left as
    they are."""
    with transaction.atomic(using=PDS_DB):
        drive = locked_drive(drive_pk)
        if drive is None:
            return 0
        held = set(
            PersonFace.objects.filter(drive=drive, face__analysis_id=analysis_pk).values_list("face_id", flat=True)
        )
        faces = [
            face for face in DetectedFace.objects.filter(analysis_id=analysis_pk).order_by("pk") if face.pk not in held
        ]
        if not faces:
            return 0
        new = PersonFace.objects.bulk_create([PersonFace(drive=drive, face=face) for face in faces])
        in_photo = photo_groups(drive.pk, analysis_pk)
        touched: set[int] = set()
        for person, face in zip(new, faces, strict=True):
            vector = embedding_from_bytes(face.embedding)
            group_pk = elected(neighbour_votes(drive.pk, vector, excluded=in_photo, skip=person.pk))
            if group_pk is None:
                group_pk = FaceGroup.objects.create(drive=drive, group_id=new_group_id()).pk
            PersonFace.objects.filter(pk=person.pk).update(group_id=group_pk)
            in_photo.add(group_pk)
            touched.add(group_pk)
        groups_refresh(drive=drive, group_pks=touched)
        return len(new)


# --- Counts and covers ------------------------------------------------------------------------------


def image_counts(drive: Drive, group_pks: Iterable[int] | None = None) -> dict[int, int]:
    """Files of the drive listed now (not in the recycle bin) showing each group's person."""
    # One filter() call: the drive and the group must be those of one PersonFace row.
    person = "media__analysis__faces__in_drives"
    condition: dict = {f"{person}__drive": drive}
    if group_pks is not None:
        condition[f"{person}__group__in"] = list(group_pks)
    else:
        condition[f"{person}__group__isnull"] = False
    rows = live_files(drive).filter(**condition)
    counted = rows.values(f"{person}__group").annotate(files=Count("pk", distinct=True))
    return {int(row[f"{person}__group"]): row["files"] for row in counted}


def largest_face(drive: Drive, group_pk: int) -> int | None:
    """The face of the group with the most pixels, in a photo the drive lists."""
    rows = (
        PersonFace.objects.filter(drive=drive, group_id=group_pk)
        .filter(face__analysis__media__files__in=live_files(drive))
        .annotate(
            pixels=F("face__width")
            * F("face__height")
            * F("face__analysis__media__width")
            * F("face__analysis__media__height")
        )
        .order_by(F("pixels").desc(nulls_last=True), "pk")
    )
    return rows.values_list("pk", flat=True).first()


def groups_refresh(*, drive: Drive, group_pks: Iterable[int] | None = None) -> None:
    """Image counts and covers of the given groups (all of the drive's: None); groups left
    without a face are deleted. A cover (chosen or not) stays while it is in the group and
    its photo is listed; else the largest face becomes the cover."""
    rows = FaceGroup.objects.filter(drive=drive)
    if group_pks is not None:
        rows = rows.filter(pk__in=list(group_pks))
    rows.filter(faces__isnull=True).delete()
    groups = list(rows)
    counts = image_counts(drive, None if group_pks is None else [group.pk for group in groups])
    covers = {group.cover_face_id: group.pk for group in groups if group.cover_face_id}
    shown = PersonFace.objects.filter(pk__in=list(covers), face__analysis__media__files__in=live_files(drive))
    cover_ok = {group_pk for pk, group_pk in shown.values_list("pk", "group_id") if covers.get(pk) == group_pk}
    for group in groups:
        count = counts.get(group.pk, 0)
        cover = group.cover_face_id if group.pk in cover_ok else largest_face(drive, group.pk)
        if group.image_count != count or group.cover_face_id != cover:
            group.image_count, group.cover_face_id = count, cover
            group.save(update_fields=["image_count", "cover_face", "updated_at"])


# --- What users change ------------------------------------------------------------------------------


def merge_into(drive: Drive, winner: FaceGroup, losers: list[FaceGroup]) -> None:
    """Move the losers' faces into `winner` and delete the losers. A face that refused a
    loser's photo now refuses the winner (who is the same person); one already in the
    winner forgets the refusal: the user says these are one person."""
    loser_pks = {group.pk for group in losers}
    if not loser_pks:
        return
    PersonFace.objects.filter(drive=drive, group_id__in=loser_pks).update(group=winner)
    changed = []
    for person in PersonFace.objects.filter(drive=drive).exclude(rejected_groups=[]):
        refused = set(person.rejected_groups)
        if refused & loser_pks:
            refused -= loser_pks
            if person.group_id != winner.pk:
                refused.add(winner.pk)
            person.rejected_groups = sorted(refused)
            changed.append(person)
    PersonFace.objects.bulk_update(changed, ["rejected_groups"])
    if not winner.name:
        winner.name = next((group.name for group in losers if group.name), "")
        winner.remarks = winner.remarks or next((group.remarks for group in losers if group.remarks), "")
        winner.save(update_fields=["name", "remarks", "updated_at"])
    FaceGroup.objects.filter(pk__in=loser_pks).delete()
    groups_refresh(drive=drive, group_pks=[winner.pk])


def face_groups_merge(*, drive: Drive, group_id: str, from_group_ids: list[str]) -> FaceGroup:
    """Our `image/merge_facegroups`: the people `from_group_ids` are `group_id`'s person."""
    with transaction.atomic(using=PDS_DB):
        locked_drive(drive.pk)
        groups = {
            group.group_id: group
            for group in FaceGroup.objects.filter(drive=drive, group_id__in=[group_id, *from_group_ids])
        }
        if group_id not in groups or any(other not in groups for other in from_group_ids):
            raise errors.NotFound("FaceGroup")
        winner = groups[group_id]
        merge_into(drive, winner, [groups[other] for other in set(from_group_ids) if other != group_id])
        winner.refresh_from_db()
        return winner


def face_group_update(
    *, group: FaceGroup, name: str | None = None, remarks: str | None = None, cover_face_id: str | None = None
) -> FaceGroup:
    """`image/update_facegroup`: a name ("" clears it), remarks, and the cover face (a face
    of the group, by the id list_facegroups gives)."""
    if name is not None:
        group.name = name
    if remarks is not None:
        group.remarks = remarks
    if cover_face_id:
        face_pk = int(cover_face_id) if cover_face_id.isdigit() else 0
        if not PersonFace.objects.filter(pk=face_pk, group=group).exists():
            raise errors.InvalidParameter(
                "group_cover_face_id is not a face of this group", code="InvalidParameter.GroupCoverFaceId"
            )
        group.cover_face_id = face_pk
    group.save(update_fields=["name", "remarks", "cover_face", "updated_at"])
    return group


def face_group_file_remove(*, drive: Drive, group: FaceGroup, item: File) -> int:
    """`image/remove_face_group_file`: the faces of the file's photo leave the group, which
    they will never be put back in (their `rejected_groups`). Returns how many left."""
    with transaction.atomic(using=PDS_DB):
        locked_drive(drive.pk)
        faces = list(PersonFace.objects.filter(drive=drive, group=group, face__analysis__media__files=item))
        for person in faces:
            person.group = None
            person.rejected_groups = sorted({*person.rejected_groups, group.pk})
        PersonFace.objects.bulk_update(faces, ["group", "rejected_groups"])
        groups_refresh(drive=drive, group_pks=[group.pk])
        return len(faces)


# --- Re-clustering ----------------------------------------------------------------------------------


class Clusters:
    """The drive's groups as sums of their faces' encodings, merged pairwise (union-find)."""

    def __init__(self, drive: Drive):
        self.groups = {group.pk: group for group in FaceGroup.objects.filter(drive=drive)}
        self.sums: dict[int, np.ndarray] = {}
        self.sizes: dict[int, int] = defaultdict(int)
        self.photos: dict[int, set[int]] = defaultdict(set)
        self.refused: dict[int, set[int]] = defaultdict(set)  # groups its faces were taken out of
        self.parent: dict[int, int] = {}
        rows = PersonFace.objects.filter(drive=drive, group__isnull=False)
        for group_pk, embedding, analysis_pk, rejected in rows.values_list(
            "group_id", "face__embedding", "face__analysis_id", "rejected_groups"
        ).iterator(chunk_size=5000):
            vector = embedding_from_bytes(embedding)
            self.sums[group_pk] = self.sums[group_pk] + vector if group_pk in self.sums else vector.copy()
            self.sizes[group_pk] += 1
            self.photos[group_pk].add(analysis_pk)
            self.refused[group_pk].update(rejected)

    def find(self, group_pk: int) -> int:
        while group_pk in self.parent:
            group_pk = self.parent[group_pk]
        return group_pk

    def centroid(self, group_pk: int) -> np.ndarray:
        return self.sums[group_pk] / self.sizes[group_pk]

    def may_merge(self, a: int, b: int) -> bool:
        name_a, name_b = self.groups[a].name, self.groups[b].name
        if name_a and name_b and name_a != name_b:
            return False
        if self.photos[a] & self.photos[b]:  # two faces of one photo are two people
            return False
        refused_a = {self.find(pk) for pk in self.refused[a]}
        refused_b = {self.find(pk) for pk in self.refused[b]}
        return b not in refused_a and a not in refused_b

    def merge(self, a: int, b: int) -> None:
        # The named group wins, else the one with more faces, else the older.
        winner, loser = sorted((a, b), key=lambda pk: (not self.groups[pk].name, -self.sizes[pk], pk))
        self.parent[loser] = winner
        self.sums[winner] = self.sums[winner] + self.sums[loser]
        self.sizes[winner] += self.sizes[loser]
        self.photos[winner] |= self.photos[loser]
        self.refused[winner] |= self.refused[loser]

    def close_pairs(self) -> list[tuple[float, int, int]]:
        pks = [pk for pk in self.sums if pk in self.groups]
        if len(pks) < 2:
            return []
        index = face_index.hnsw_index()
        index.add_with_ids(np.vstack([self.centroid(pk) for pk in pks]).astype(np.float32), np.asarray(pks))
        found = face_index.search(index, np.vstack([self.centroid(pk) for pk in pks]), 8)
        pairs = {
            (distance, min(a, b), max(a, b))
            for a, row in zip(pks, found, strict=True)
            for b, distance in row
            if a != b and distance <= SAME_PERSON
        }
        return sorted(pairs)


def recluster_faces(drive_pk: int) -> dict[str, int]:
    """Merge the drive's groups that came together, give groupless faces a group that
    matches, and bring every group's count and cover up to date."""
    face_index.forget(drive_pk)  # rebuilt without the faces deleted since
    with transaction.atomic(using=PDS_DB):
        drive = locked_drive(drive_pk)
        if drive is None:
            return {}
        clusters = Clusters(drive)
        merged = 0
        for _, a, b in clusters.close_pairs():
            a, b = clusters.find(a), clusters.find(b)
            if a == b or float(np.linalg.norm(clusters.centroid(a) - clusters.centroid(b))) > SAME_PERSON:
                continue
            if clusters.may_merge(a, b):
                clusters.merge(a, b)
                merged += 1
        winners: dict[int, list[FaceGroup]] = defaultdict(list)
        for loser in clusters.parent:
            winners[clusters.find(loser)].append(clusters.groups[loser])
        for winner, losers in winners.items():
            merge_into(drive, clusters.groups[winner], losers)
        placed = 0
        for person in PersonFace.objects.filter(drive=drive, group__isnull=True).select_related("face"):
            excluded = set(person.rejected_groups) | photo_groups(drive.pk, person.face.analysis_id)
            vector = embedding_from_bytes(person.face.embedding)
            group_pk = elected(neighbour_votes(drive.pk, vector, excluded=excluded, skip=person.pk))
            if group_pk is not None:
                PersonFace.objects.filter(pk=person.pk).update(group_id=group_pk)
                placed += 1
        groups_refresh(drive=drive)
        return {"merged": merged, "placed": placed}

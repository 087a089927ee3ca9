"""Faces on the CPU: dlib finds the astronaut's face (and none in the cat), her mirrored and
smaller copies encode within the same-person distance, the drive's HNSW index finds her
among thousands of others, and grouping puts her three photos into one person per drive,
whose count follows the recycle bin and whose removals stick through re-clustering and
re-analysis."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image, ImageOps
from skimage import data

from pds_server.models import DetectedFace, Drive, FaceGroup, File, ImageAnalysis, PersonFace
from pds_server.selectors.faces import face_group_media_q
from pds_server.services.analysis import face_groups, face_index
from pds_server.services.analysis.faces import detect_faces, embedding_from_bytes
from pds_server.services.media.ingest import media_ingest
from pds_server.tasks import recluster_all_faces
from tests.celery_worker import start_worker
from tests.pds_server.test_media_ingest import empty_queue

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def astronaut() -> Image.Image:
    return Image.fromarray(data.astronaut())


def variants() -> dict[str, Image.Image]:
    original = astronaut()
    return {
        "astronaut.jpg": original,
        "mirrored.jpg": ImageOps.mirror(original),
        "smaller.jpg": original.resize((307, 307), Image.Resampling.LANCZOS),  # 60 %
    }


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def distance(a: bytes, b: bytes) -> float:
    return float(np.linalg.norm(embedding_from_bytes(a) - embedding_from_bytes(b)))


def analysed(api, name: str, image: Image.Image) -> File:
    """Uploaded, read by ingest, and its faces found and stored (as the analysis pipeline
    does), then grouped in the uploader's drive."""
    file_id = api.upload(name, jpeg(image))["file_id"]
    item = File.objects.get(file_id=file_id)
    if item.media is None or item.media.state != "done":
        assert media_ingest(file_pk=item.pk) == "done"
        item.refresh_from_db()
    analysis, _ = ImageAnalysis.objects.update_or_create(
        media=item.media, defaults={"state": ImageAnalysis.State.DONE, "analysed_at": timezone.now()}
    )
    face_groups.faces_store(analysis_pk=analysis.pk, found=detect_faces(image))
    face_groups.group_analysis_faces(item.drive_id, analysis.pk)
    return item


def group_of(item: File) -> FaceGroup | None:
    person = PersonFace.objects.filter(drive=item.drive, face__analysis__media=item.media).first()
    return person.group if person else None


def test_dlib_finds_her_face_and_encodes_her_copies_alike_and_no_face_in_the_cat():
    faces = detect_faces(astronaut())
    assert len(faces) == 1, faces
    face = faces[0]
    # Her face in the 512x512 photo lies about x 175-275, y 75-175 (pixels).
    assert 0.30 < face.left < 0.38 and 0.12 < face.top < 0.20, face
    assert 0.14 < face.width < 0.24 and 0.14 < face.height < 0.24, face
    assert len(face.embedding) == 128 * 4
    for name, image in variants().items():
        (copy,) = detect_faces(image)
        assert distance(copy.embedding, face.embedding) < face_groups.SAME_PERSON, name
    assert detect_faces(Image.fromarray(data.chelsea())) == []
    assert detect_faces(Image.fromarray(data.coffee())) == []


def test_a_small_face_in_a_large_photo_is_found():
    canvas = Image.new("RGB", (1920, 1280), (120, 120, 120))
    canvas.paste(astronaut().resize((300, 300)), (800, 500))  # her face about 60 px wide
    started = time.process_time()
    (face,) = detect_faces(canvas)
    spent = time.process_time() - started
    # Her face: x about 800 + 0.35 * 300 of 1920, y about 500 + 0.15 * 300 of 1280.
    assert 0.45 < face.left < 0.49 and 0.40 < face.top < 0.45 and face.width * 1920 > 45, face
    assert distance(face.embedding, detect_faces(astronaut())[0].embedding) < face_groups.SAME_PERSON
    assert spent < 5, f"{spent:.2f} s of CPU for one 1920x1280 photo"


def test_the_index_finds_her_among_thousands_and_keeps_up_with_new_and_deleted_faces(alice):
    item = analysed(alice, "astronaut.jpg", astronaut())
    drive = item.drive
    her = PersonFace.objects.get(drive=drive)
    rng = np.random.default_rng(15)
    others = rng.normal(size=(2000, 128)).astype(np.float32)
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    faces = DetectedFace.objects.bulk_create(
        DetectedFace(analysis=her.face.analysis, left=0, top=0, width=0.1, height=0.1, embedding=vector.tobytes())
        for vector in others.astype("<f4")
    )
    PersonFace.objects.bulk_create(PersonFace(drive=drive, face=face) for face in faces)
    mirrored = detect_faces(ImageOps.mirror(astronaut()))[0].embedding
    nearest = face_index.nearest(drive.pk, mirrored, 3)
    assert nearest[0][0] == her.pk and nearest[0][1] < face_groups.SAME_PERSON, nearest
    assert nearest[1][1] > 0.9, "random unit vectors are far from a face"
    # One of the random ones, asked for itself.
    probe = PersonFace.objects.filter(drive=drive).order_by("pk")[1000]
    assert face_index.nearest(drive.pk, bytes(probe.face.embedding), 1)[0] == (probe.pk, 0.0)
    # A face added since the last search is found; one deleted is found no more once re-checked.
    smaller = analysed(alice, "smaller.jpg", variants()["smaller.jpg"])
    newcomer = PersonFace.objects.get(drive=drive, face__analysis__media=smaller.media)
    assert newcomer.pk in [pk for pk, _ in face_index.nearest(drive.pk, mirrored, 2)]
    assert newcomer.group_id == her.group_id, "she joined her own group"
    her.delete()
    votes = face_groups.neighbour_votes(drive.pk, embedding_from_bytes(mirrored), excluded=set())
    assert votes == {newcomer.group_id: [pytest.approx(distance(mirrored, bytes(newcomer.face.embedding)))]}


def test_her_photos_make_one_person_whose_count_and_removals_stick(alice, bob):
    drive = Drive.objects.get(pk=int(alice.drive_id))
    files = {name: analysed(alice, name, image) for name, image in variants().items()}
    cat = analysed(alice, "chelsea.jpg", Image.fromarray(data.chelsea()))
    assert group_of(cat) is None and not PersonFace.objects.filter(face__analysis__media=cat.media).exists()
    (group,) = FaceGroup.objects.filter(drive=drive)
    assert group.image_count == 3
    assert {group_of(item) for item in files.values()} == {group}
    shown = File.objects.filter(face_group_media_q(drive, group.group_id))
    assert set(shown.values_list("file_id", flat=True)) == {item.file_id for item in files.values()}
    # The largest face is the cover: the full-size photo's or its mirror's, not the smaller one's.
    assert group.cover_face.face.analysis.media_id in {files["astronaut.jpg"].media_id, files["mirrored.jpg"].media_id}

    # Grouping the same photo again changes nothing.
    assert face_groups.group_analysis_faces(drive.pk, files["astronaut.jpg"].media.analysis.pk) == 0
    assert FaceGroup.objects.filter(drive=drive).count() == 1

    # Another drive holding the same photo has its own person.
    copy = analysed(bob, "astronaut.jpg", variants()["astronaut.jpg"])
    assert copy.media_id == files["astronaut.jpg"].media_id, "one blob, one analysis"
    theirs = group_of(copy)
    assert theirs is not None and theirs.drive_id == copy.drive_id != drive.pk and theirs.image_count == 1
    group.refresh_from_db()
    assert group.image_count == 3

    # Taken out of her group, the mirrored photo stays out: through re-clustering, which
    # does put back a face that merely had no group, and through analysing it again.
    mirrored = files["mirrored.jpg"]
    assert face_groups.face_group_file_remove(drive=drive, group=group, item=mirrored) == 1
    group.refresh_from_db()
    assert group.image_count == 2 and group_of(mirrored) is None
    PersonFace.objects.filter(face__analysis__media=files["smaller.jpg"].media, drive=drive).update(group=None)
    face_groups.recluster_faces(drive.pk)
    assert group_of(files["smaller.jpg"]) == group and group_of(mirrored) is None
    analysis = mirrored.media.analysis
    face_groups.faces_store(analysis_pk=analysis.pk, found=detect_faces(ImageOps.mirror(astronaut())))
    face_groups.group_analysis_faces(drive.pk, analysis.pk)
    face_groups.recluster_faces(drive.pk)
    group.refresh_from_db()
    assert group_of(mirrored) is None and group.image_count == 2

    # The recycle bin: a trashed photo does not count; restored, it does again.
    alice.ok("recyclebin/trash", {"file_id": files["smaller.jpg"].file_id}, 204)
    face_groups.recluster_faces(drive.pk)
    group.refresh_from_db()
    assert group.image_count == 1
    alice.ok("recyclebin/restore", {"file_id": files["smaller.jpg"].file_id}, 204)
    face_groups.recluster_faces(drive.pk)
    group.refresh_from_db()
    assert group.image_count == 2

    # Analysed again by a model that finds no face there: the photo leaves her at once.
    face_groups.faces_store(analysis_pk=files["smaller.jpg"].media.analysis.pk, found=[])
    group.refresh_from_db()
    assert group.image_count == 1 and group_of(files["smaller.jpg"]) is None


def test_reclustering_joins_split_people_but_never_two_named_ones(alice):
    drive = Drive.objects.get(pk=int(alice.drive_id))
    files = {name: analysed(alice, name, image) for name, image in variants().items()}
    (group,) = FaceGroup.objects.filter(drive=drive)
    # Split her in two, as if her smaller photo had come first and been taken for someone else.
    other = FaceGroup.objects.create(drive=drive, group_id=face_groups.new_group_id(), name="Someone")
    PersonFace.objects.filter(drive=drive, face__analysis__media=files["smaller.jpg"].media).update(group=other)
    face_groups.face_group_update(group=group, name="Eileen")
    face_groups.groups_refresh(drive=drive)
    assert face_groups.recluster_faces(drive.pk)["merged"] == 0, "two names are two people"
    assert FaceGroup.objects.filter(drive=drive).count() == 2

    face_groups.face_group_update(group=other, name="")
    assert face_groups.recluster_faces(drive.pk)["merged"] == 1
    (merged,) = FaceGroup.objects.filter(drive=drive)
    assert merged.pk == group.pk and merged.name == "Eileen" and merged.image_count == 3

    # A merge the user asks for, and a cover they choose.
    again = FaceGroup.objects.create(drive=drive, group_id=face_groups.new_group_id(), remarks="from the UI")
    PersonFace.objects.filter(drive=drive, face__analysis__media=files["mirrored.jpg"].media).update(group=again)
    face_groups.groups_refresh(drive=drive)
    kept = face_groups.face_groups_merge(drive=drive, group_id=again.group_id, from_group_ids=[group.group_id])
    assert kept.group_id == again.group_id and kept.name == "Eileen" and kept.image_count == 3
    assert list(FaceGroup.objects.filter(drive=drive)) == [kept]
    chosen = PersonFace.objects.get(drive=drive, face__analysis__media=files["smaller.jpg"].media)
    face_groups.face_group_update(group=kept, cover_face_id=str(chosen.pk))
    face_groups.recluster_faces(drive.pk)
    kept.refresh_from_db()
    assert kept.cover_face_id == chosen.pk


@pytest.mark.slow
def test_the_periodic_task_reclusters_on_a_worker_of_the_analysis_queue(alice, settings, tmp_path):
    drive = Drive.objects.get(pk=int(alice.drive_id))
    files = {name: analysed(alice, name, image) for name, image in variants().items()}
    other = FaceGroup.objects.create(drive=drive, group_id=face_groups.new_group_id())
    PersonFace.objects.filter(drive=drive, face__analysis__media=files["smaller.jpg"].media).update(group=other)
    face_groups.groups_refresh(drive=drive)
    assert FaceGroup.objects.filter(drive=drive).count() == 2
    empty_queue()  # only what this test queues
    log_path = tmp_path / "worker.log"
    worker = start_worker("filesystem://", log_path, settings, queues="analysis")
    try:
        recluster_all_faces.delay()  # as beat does: it queues one re-clustering per drive
        deadline = time.monotonic() + 90
        while FaceGroup.objects.filter(drive=drive).count() != 1:
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "not merged in 90 s: " + log_path.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert FaceGroup.objects.get(drive=drive).image_count == 3

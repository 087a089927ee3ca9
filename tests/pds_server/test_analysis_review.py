"""What the review of the analysis found, each kept fixed: a photo analysed again and again
never runs out of attempts; a domain switched off while a photo is analysed stores nothing;
two workers on one photo store its faces once; an upload-only role cannot read the text in
a photo nor search by it; the People endpoints leave audit rows; Django admin's switch
removes what the models stored."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from drive_site.celery import app
from pds_server.models import AuditLog, DetectedFace, Domain, FaceGroup, File, ImageAnalysis, ImageTag, PersonFace
from pds_server.services.analysis import pipeline
from pds_server.services.analysis.faces import FoundFace
from pds_server.services.media.ingest import media_ingest
from tests.pds_server import analysis_images as images
from tests.pds_server.test_content_search import analysed, names
from tests.pds_server.test_signin_methods import FormFields

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def receipt_file(api, name: str = "receipt.jpg") -> File:
    item = File.objects.get(file_id=api.upload(name, images.receipt(("SECRET ACME 2026",)))["file_id"])
    media_ingest(file_pk=item.pk)
    item.refresh_from_db()
    return item


def findings(text: str = "SECRET ACME 2026") -> pipeline.Findings:
    face = FoundFace(left=0.1, top=0.1, width=0.2, height=0.2, embedding=b"\1" * 512)
    return pipeline.Findings(
        phash=1, sharpness=1.0, tags=[("document", 0.9)], ocr_text=text, kind="document", faces=[face]
    )


def test_analysed_again_and_again_a_photo_never_runs_out_of_attempts(alice):
    item = receipt_file(alice)
    for version in ("v1", "v2", "v3", "v4", "v5"):
        pipeline.MODEL_VERSION, saved = version, pipeline.MODEL_VERSION
        try:
            assert pipeline.analyse_media(item.media_id) == ImageAnalysis.State.DONE, version
        finally:
            pipeline.MODEL_VERSION = saved
    analysis = ImageAnalysis.objects.get(media_id=item.media_id)
    assert (analysis.attempts, analysis.model_version) == (0, "v5")


def test_a_domain_switched_off_during_an_analysis_stores_nothing(alice):
    item = receipt_file(alice)
    analysis = pipeline.analysis_of(item.media)
    Domain.objects.filter(drives__pk=item.drive_id).update(image_analysis_enabled=False)  # meanwhile
    assert pipeline.analysis_store(analysis, findings()) is False
    assert not ImageTag.objects.exists() and not DetectedFace.objects.exists()
    assert ImageAnalysis.objects.get(pk=analysis.pk).state == ImageAnalysis.State.PENDING
    # Deleted meanwhile (the switch's removal): nothing comes back either.
    Domain.objects.filter(drives__pk=item.drive_id).update(image_analysis_enabled=True)
    ImageAnalysis.objects.filter(pk=analysis.pk).delete()
    assert pipeline.analysis_store(analysis, findings()) is False
    assert not ImageAnalysis.objects.exists() and not DetectedFace.objects.exists()


def test_two_workers_on_one_photo_store_its_faces_once(alice):
    item = receipt_file(alice)
    first, second = pipeline.analysis_of(item.media), pipeline.analysis_of(item.media)
    assert pipeline.analysis_store(first, findings()) is True
    assert pipeline.analysis_store(second, findings()) is False  # done by the first meanwhile
    assert DetectedFace.objects.count() == 1 and ImageTag.objects.count() == 1


def test_an_upload_only_role_neither_reads_a_photos_text_nor_searches_by_it(alice, bob):
    folder = alice.folder("Inbox")
    analysed(alice, "scan2.jpg", text="SECRET ACME 2026")
    moved = File.objects.get(name="scan2.jpg")
    File.objects.filter(pk=moved.pk).update(parent_file_id=folder)
    for role, sees in (("SystemFileUploader", False), ("SystemFileViewer", True)):
        member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": role}
        alice.ok("file/add_permission", {"file_id": folder, "member_list": [member]}, 204)
        got = bob.call("file/get", {"drive_id": alice.drive_id, "file_id": moved.file_id})
        if got.status_code == 200:
            metadata = got.json().get("image_media_metadata", {})
            assert ("ocr_text" in metadata) is sees, role
        found = bob.ok("file/search", {"drive_id": alice.drive_id, "query": 'keyword match "secret"'})["items"]
        assert bool(found) is sees, role
        alice.ok("file/remove_permission", {"file_id": folder, "member_list": [member]}, 204)


def test_people_changes_leave_audit_rows(alice):
    from pds_server.models import Drive

    drive = Drive.objects.get(pk=int(alice.drive_id))
    her = FaceGroup.objects.create(drive=drive, group_id="her", name="")
    other = FaceGroup.objects.create(drive=drive, group_id="other", name="")
    photo = analysed(alice, "her.jpg", person=her)
    analysed(alice, "other.jpg", person=other)
    FaceGroup.objects.update(image_count=1)
    alice.ok("image/update_facegroup_info", {"group_id": "her", "group_name": "Eileen"})
    alice.ok("image/merge_facegroups", {"group_id": "her", "from_group_ids": ["other"]})
    alice.ok("albums/unassign_facegroup_item", {"face_group_id": "her", "file_id": photo.file_id})
    rows = {row.action_type: row for row in AuditLog.objects.filter(action_type__startswith="face_group.")}
    assert set(rows) == {"face_group.update", "face_group.merge", "face_group.remove_file"}
    assert rows["face_group.update"].object_name == "Eileen"
    assert rows["face_group.merge"].detail == {"from_group_ids": ["other"]}
    assert rows["face_group.remove_file"].object_id == "her"
    assert rows["face_group.remove_file"].detail == {"file_id": photo.file_id}
    assert all(row.drive_id == alice.drive_id for row in rows.values())


def test_the_admin_switch_removes_what_the_models_stored(alice):
    item = receipt_file(alice)
    pipeline.analyse_media(item.media_id)
    assert ImageAnalysis.objects.exists() and PersonFace.objects.count() == DetectedFace.objects.count()
    domain = Domain.objects.get(drives__pk=item.drive_id)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1"))
    url = f"/admin/pds_server/domain/{domain.pk}/change/"
    parser = FormFields()  # the page's own fields and inlines, as a browser would post them
    parser.feed(client.get(url).content.decode())
    form = {name: value for name, value in parser.fields.items() if "__prefix__" not in name}
    assert form.pop("image_analysis_enabled") == "on"  # untick: analysis off
    form["_save"] = "Save"
    app.conf.task_always_eager = True
    try:
        answer = client.post(url, form)
    finally:
        app.conf.task_always_eager = False
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert not Domain.objects.get(pk=domain.pk).image_analysis_enabled
    assert not ImageAnalysis.objects.exists() and not ImageTag.objects.exists()
    assert names(alice, 'keyword match "secret"') == []

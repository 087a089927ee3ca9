"""A consistency check of the blob storage against the records (`manage.py pds_fsck`): files
no record refers to, records whose file is missing, blob records that neither a file nor a
revision refers to, and files whose latest content has no revision row. `fsck_cleanup`,
the part of it that is safe while the PDS runs, is what the periodic task does.

Writes are ordered so that a killed process leaves only what this recognises: a part is
written under a `tmp-` name and renamed when whole, parts are joined under an
`assembling-` name, and a blob file is linked before its record commits, so a kill in
between leaves a blob file no record refers to (never a record without its file). A new
complete of equal content never adopts such a file: its link finds the name taken and
takes a fresh one.
"""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from pds_server.models import Blob, File, MediaInfo, Revision, Thumbnail, Upload, UploadPart
from pds_server.routers import PDS_DB
from pds_server.services.blobs import blobs_release
from pds_server.services.revisions import current_revision_add, locked_file
from pds_server.services.upload_digest import scratch_name
from pds_server.storage import StoredFile, blob_store, is_temp_name
from pds_server.storage.kernel import remove_file

PREFIXES = ("blobs", "uploads", "thumbnails")

# What each problem is, and what --repair does about it.
PROBLEMS = {
    "temp_file": ("a file under a temporary name that a killed process left", "remove the file"),
    "nginx_part_file": (
        "a part body nginx wrote to PDS_NGINX_PART_DIR (named by path) that a killed worker left",
        "remove the file",
    ),
    "orphan_blob_file": ("a blob file that no blob record refers to", "remove the file"),
    "orphan_upload_file": ("an upload's file that no part of an open upload refers to", "remove the file"),
    "orphan_thumbnail_file": ("a thumbnail file that no thumbnail record refers to", "remove the file"),
    "part_without_file": ("a part record whose file is missing", "delete the record: the client sends it again"),
    "thumbnail_without_file": ("a thumbnail record whose file is missing", "delete the record: it is made again"),
    "blob_without_file": ("a blob record whose file is missing: its files have lost their content", "none"),
    "unreferenced_blob": ("a blob record that no file and no revision refers to", "remove the record and its file"),
    "file_without_revision": (
        "a file whose latest content has no revision row (named by file_id)",
        "add the revision row of its current content",
    ),
}
FILE_PROBLEMS = ("temp_file", "orphan_blob_file", "orphan_upload_file", "orphan_thumbnail_file")
# A body nginx is still writing (or the PDS is still taking) is never this old.
NGINX_PART_MIN_AGE = 3600


@dataclass(frozen=True)
class Finding:
    problem: str  # a key of PROBLEMS
    name: str  # the stored name of the file, or the one the record names
    age: float  # seconds since the file or record last changed

    @property
    def repair(self) -> str:
        return PROBLEMS[self.problem][1]


def fsck_scan(*, min_age: float = 0) -> list[Finding]:
    """Every problem older than `min_age` seconds: younger ones may be work in flight (a
    part being written, a blob linked a moment before its record commits)."""
    store = blob_store()
    now = time.time()
    files: dict[str, StoredFile] = {stored.name: stored for prefix in PREFIXES for stored in store.list_files(prefix)}
    blobs = dict(Blob.objects.values_list("storage_name", "created_at"))
    parts = dict(UploadPart.objects.values_list("storage_name", "uploaded_at"))
    thumbnails = {name: now for name in Thumbnail.objects.values_list("storage_name", flat=True)}
    # A video's poster and rendition, beside its thumbnails (services/media/videos.py).
    videos = MediaInfo.objects.filter(kind=MediaInfo.Kind.VIDEO)
    derived = {name for pair in videos.values_list("poster_name", "rendition_name") for name in pair if name}
    # The copy of an open upload's parts made ahead of its complete (services/upload_digest.py).
    open_uploads = Upload.objects.filter(completed_at__isnull=True).values_list("upload_id", "digest_epoch")
    derived |= {scratch_name(upload_id, epoch) for upload_id, epoch in open_uploads}
    findings = []
    for stored in files.values():
        age = now - stored.modified
        if age < min_age or stored.name in blobs or stored.name in parts or stored.name in thumbnails:
            continue
        if stored.name in derived:
            continue
        findings.append(Finding(problem_of_file(stored.name), stored.name, age))
    # A complete joining parts in place (or killed while at it) has taken them from their
    # files: their records are judged once its scratch file is gone.
    joining = {stored.name.rsplit("/", 1)[0] for stored in files.values() if is_temp_name(stored.name)}
    for problem, records in (
        ("blob_without_file", blobs),
        ("part_without_file", parts),
        ("thumbnail_without_file", thumbnails),
    ):
        for name, changed in records.items():
            age = now - (changed if isinstance(changed, float) else changed.timestamp())
            if name in files or (problem == "part_without_file" and name.rsplit("/", 1)[0] in joining):
                continue
            if problem == "thumbnail_without_file" or age >= min_age:
                findings.append(Finding(problem, name, max(age, 0.0)))
    findings += record_findings(now=now, min_age=min_age)
    findings += nginx_part_findings(now=now, min_age=min_age)
    return sorted(findings, key=lambda finding: (finding.problem, finding.name))


def record_findings(*, now: float, min_age: float) -> list[Finding]:
    """What the records say of each other: blobs nothing refers to (content-addressed
    blobs are shared by files and revisions), and files whose content has no revision."""
    findings = []
    unreferenced = Blob.objects.filter(
        ~Exists(File.objects.filter(blob=OuterRef("pk"))), ~Exists(Revision.objects.filter(blob=OuterRef("pk")))
    )
    for name, created_at in unreferenced.values_list("storage_name", "created_at"):
        if now - created_at.timestamp() >= min_age:
            findings.append(Finding("unreferenced_blob", name, now - created_at.timestamp()))
    bare = File.objects.filter(status=File.Status.AVAILABLE, type=File.Type.FILE, blob__isnull=False).filter(
        ~Exists(Revision.objects.filter(file=OuterRef("pk"), revision_id=OuterRef("revision_id")))
    )
    for file_id, updated_at in bare.values_list("file_id", "updated_at"):
        if now - updated_at.timestamp() >= min_age:
            findings.append(Finding("file_without_revision", file_id, now - updated_at.timestamp()))
    return findings


def nginx_part_findings(*, now: float, min_age: float) -> list[Finding]:
    """Files in PDS_NGINX_PART_DIR (a local directory, whatever the blob storage) that a
    killed nginx worker left: nginx removes a body at the end of its request, and the PDS
    renames the ones it takes. Only those at least an hour (and PDS_FSCK_TEMP_AGE) old."""
    root = settings.PDS_NGINX_PART_DIR
    if not root:
        return []
    oldest = max(min_age, settings.PDS_FSCK_TEMP_AGE, NGINX_PART_MIN_AGE)
    findings = []
    for directory, _, file_names in os.walk(root):
        for file_name in file_names:
            path = os.path.join(directory, file_name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            age = now - max(info.st_mtime, info.st_ctime)
            if stat.S_ISREG(info.st_mode) and age >= oldest:
                findings.append(Finding("nginx_part_file", path, age))
    return findings


def problem_of_file(name: str) -> str:
    if is_temp_name(name):
        return "temp_file"
    return {"blobs": "orphan_blob_file", "uploads": "orphan_upload_file"}.get(
        name.split("/", 1)[0], "orphan_thumbnail_file"
    )


def fsck_repair(findings: list[Finding]) -> Counter[str]:
    """Repair what can be: remove stray files, delete records of parts and thumbnails whose
    file is gone. A blob record without its file is only reported."""
    store = blob_store()
    repaired: Counter[str] = Counter()
    for finding in findings:
        if finding.problem in FILE_PROBLEMS:
            store.delete(finding.name)
        elif finding.problem == "nginx_part_file":
            remove_file(finding.name)
        elif finding.problem == "part_without_file":
            UploadPart.objects.filter(storage_name=finding.name).delete()
        elif finding.problem == "thumbnail_without_file":
            Thumbnail.objects.filter(storage_name=finding.name).delete()
        elif finding.problem == "unreferenced_blob":
            with transaction.atomic(using=PDS_DB):  # checked again under the blob's lock
                blobs_release(Blob.objects.filter(storage_name=finding.name).values_list("pk", flat=True))
        elif finding.problem == "file_without_revision":
            revision_add_missing(finding.name)
        else:
            continue
        repaired[finding.problem] += 1
    return repaired


def revision_add_missing(file_id: str) -> None:
    with transaction.atomic(using=PDS_DB):
        item = File.objects.filter(file_id=file_id, status=File.Status.AVAILABLE).exclude(blob=None).first()
        if item is None:
            return
        item = locked_file(item)
        if item.revision_id and item.revisions.filter(revision_id=item.revision_id).exists():
            return
        current_revision_add(item=item)


def fsck_cleanup() -> dict[str, int]:
    """Periodic, safe while the PDS serves: remove files under a temporary name untouched for
    PDS_FSCK_TEMP_AGE seconds (nginx's part bodies: and at least an hour), and files no
    record refers to once PDS_FSCK_ORPHAN_AGE old.
    Records are never touched here; `pds_fsck --repair` does that."""
    findings = [
        finding
        for finding in fsck_scan(min_age=settings.PDS_FSCK_TEMP_AGE)
        if finding.problem in ("temp_file", "nginx_part_file")
        or (finding.problem in FILE_PROBLEMS and finding.age >= settings.PDS_FSCK_ORPHAN_AGE)
    ]
    return dict(fsck_repair(findings))

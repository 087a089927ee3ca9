"""A file's revisions: every completed version of its content, the latest included, is a
row; the file's own content fields (blob, size, hashes, revision_id) are its latest's.

Each revision counts in the drive's used size (an overwrite adds the new size and keeps
the old one counted); equal content still shares one blob, which goes only when neither a
file nor a revision refers to it. Retention per domain (`revisions_prune`) removes old
revisions beyond a count or an age; the latest and those kept forever always stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from pds_server import errors
from pds_server.models import Blob, Domain, File, Revision
from pds_server.routers import PDS_DB
from pds_server.services.blobs import blobs_release
from pds_server.services.media.ingest import media_on_new_content
from pds_server.services.names import new_file_id
from pds_server.services.quota import quota_settle

MAX_KEEP_FOREVER = 50  # per file, as the PDS cloud allows
MAX_DESCRIPTION = 1024


# --- New content ---------------------------------------------------------------------------


def content_commit(*, item: File, blob: Blob, revision_id: str, creator: str, now: datetime) -> Revision:
    """Make `blob` the file's content as its newest revision, and save the file. Call inside
    a transaction that holds the file row (or created it): versions are numbered 1, 2, ..."""
    item.status = File.Status.AVAILABLE
    item.blob = blob
    item.size = blob.size
    item.content_hash = blob.sha1
    item.content_hash_name = "sha1"
    item.crc64_hash = blob.crc64
    item.revision_id = revision_id
    item.updated_at = now
    media_on_new_content(item)
    item.save()
    revision = revision_of_content(item, version=next_version(item), creator=creator, now=now)
    revision.save()
    return revision


def next_version(item: File) -> int:
    return (item.revisions.aggregate(latest=Max("version"))["latest"] or 0) + 1


def revision_of_content(item: File, *, version: int, creator: str, now: datetime) -> Revision:
    """An unsaved revision row of the file's current content, named by its revision_id."""
    return Revision(
        revision_id=item.revision_id,
        file_id=item.pk,
        version=version,
        blob_id=item.blob_id,
        name=item.name,
        size=item.size,
        content_type=item.content_type,
        file_extension=item.file_extension,
        content_hash=item.content_hash,
        content_hash_name=item.content_hash_name,
        crc64_hash=item.crc64_hash,
        creator=creator,
        created_at=now,
    )


def first_revisions(files: list[File], *, creator: str, now: datetime) -> None:
    """Revision 1 of files just made with content (copies): their current content."""
    with_content = [item for item in files if item.type == File.Type.FILE and item.blob_id and item.revision_id]
    if any(item.pk is None for item in with_content):  # bulk_create without RETURNING
        pks = dict(
            File.objects.filter(file_id__in=[item.file_id for item in with_content]).values_list("file_id", "pk")
        )
        for item in with_content:
            item.pk = pks[item.file_id]
    Revision.objects.bulk_create(
        revision_of_content(item, version=1, creator=creator, now=now) for item in with_content
    )


def current_revision_add(*, item: File) -> Revision:
    """A repair (fsck): the revision row a file's current content lacks. Inside a
    transaction holding the file row."""
    if not item.revision_id or Revision.objects.filter(revision_id=item.revision_id).exists():
        item.revision_id = new_file_id()
        item.save(update_fields=["revision_id"])
    revision = revision_of_content(item, version=next_version(item), creator=item.creator, now=item.updated_at)
    revision.save()
    return revision


def content_held(*, rows: QuerySet[File]) -> tuple[int, set[int]]:
    """What deleting `rows` for good frees: the bytes their revisions count in the drive
    (an available file without revision rows counts its own size), and every blob they
    refer to."""
    revisions = Revision.objects.filter(file__in=rows)
    held = revisions.aggregate(total=Sum("size"))["total"] or 0
    bare = rows.filter(status=File.Status.AVAILABLE).exclude(pk__in=revisions.values("file_id"))
    held += bare.aggregate(total=Sum("size"))["total"] or 0
    blob_ids = set(rows.exclude(blob=None).values_list("blob_id", flat=True))
    blob_ids |= set(revisions.exclude(blob=None).values_list("blob_id", flat=True))
    return held, blob_ids


# --- One file's revisions ------------------------------------------------------------------


def locked_file(item: File) -> File:
    return File.objects.select_for_update().select_related("drive").get(pk=item.pk)


def revision_of(*, item: File, revision_id: str) -> Revision:
    """The file's revision `revision_id`; a revision of another file is NotFound."""
    revision = (
        Revision.objects.select_related("blob").filter(file=item, revision_id=revision_id).first()
        if revision_id
        else None
    )
    if revision is None:
        raise errors.NotFound("Revision")
    return revision


def revision_restore(*, item: File, revision_id: str, creator: str) -> Revision:
    """The revision's content becomes the file's again, as a new latest revision sharing its
    blob (its size counts once more). Restoring the latest changes nothing."""
    with transaction.atomic(using=PDS_DB):
        item = locked_file(item)
        chosen = revision_of(item=item, revision_id=revision_id)
        if chosen.revision_id == item.revision_id:
            return chosen
        if chosen.blob is None:
            raise errors.NotFound("Revision", "The revision has no content to restore.")
        quota_settle(drive=item.drive, growth=chosen.size)
        return content_commit(
            item=item, blob=chosen.blob, revision_id=new_file_id(), creator=creator, now=timezone.now()
        )


def revision_update(*, item: File, revision_id: str, keep_forever: bool | None, description: str | None) -> Revision:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise errors.InvalidParameter(
            f"revision_description is longer than {MAX_DESCRIPTION} characters.",
            code="InvalidParameter.RevisionDescription",
        )
    with transaction.atomic(using=PDS_DB):
        item = locked_file(item)  # serializes the count of revisions kept forever
        revision = revision_of(item=item, revision_id=revision_id)
        if keep_forever and not revision.keep_forever:
            if item.revisions.filter(keep_forever=True).count() >= MAX_KEEP_FOREVER:
                raise errors.InvalidParameter(
                    f"At most {MAX_KEEP_FOREVER} revisions of a file may be kept forever.",
                    code="InvalidParameter.KeepForeverLimitExceeded",
                )
        if keep_forever is not None:
            revision.keep_forever = keep_forever
        if description is not None:
            revision.description = description
        revision.save()
    return revision


def revision_delete(*, item: File, revision_id: str) -> None:
    """Delete a revision other than the latest: its size leaves the drive's used size, and
    its blob goes if nothing else refers to it."""
    with transaction.atomic(using=PDS_DB):
        item = locked_file(item)
        revision = revision_of(item=item, revision_id=revision_id)
        if revision.revision_id == item.revision_id:
            raise errors.InvalidParameter(
                "The latest revision cannot be deleted: restore another revision first, or delete the file.",
                code="InvalidParameter.LatestRevision",
            )
        revisions_drop(item=item, revisions=[revision])


def revisions_drop(*, item: File, revisions: list[Revision]) -> None:
    """Inside a transaction holding the file row."""
    if not revisions:
        return
    Revision.objects.filter(pk__in=[revision.pk for revision in revisions]).delete()
    quota_settle(drive=item.drive, growth=-sum(revision.size for revision in revisions))
    blobs_release({revision.blob_id for revision in revisions if revision.blob_id})


# --- Retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    keep_count: int | None  # the newest this many stay; None: no limit
    keep_days: int | None  # none older than this many days; None: no limit

    def expendable(self, item: File, *, now: datetime) -> list[Revision]:
        """The file's revisions retention removes: beyond the newest `keep_count`, or older
        than `keep_days`; never the latest nor one kept forever."""
        revisions = list(item.revisions.order_by("-version"))
        cutoff = now - timedelta(days=self.keep_days) if self.keep_days is not None else None
        return [
            revision
            for rank, revision in enumerate(revisions)
            if revision.revision_id != item.revision_id
            and not revision.keep_forever
            and (
                (self.keep_count is not None and rank >= self.keep_count)
                or (cutoff is not None and revision.created_at < cutoff)
            )
        ]


def revisions_prune(*, now: datetime | None = None) -> int:
    """Periodic: apply each domain's retention. Safe to run twice, or at once: each file is
    judged afresh under its row lock. Returns how many revisions went."""
    now = now or timezone.now()
    removed = 0
    domains = Domain.objects.filter(Q(revision_keep_count__isnull=False) | Q(revision_keep_days__isnull=False))
    for domain in domains:
        retention = Retention(keep_count=domain.revision_keep_count, keep_days=domain.revision_keep_days)
        for pk in candidate_files(domain=domain, retention=retention, now=now):
            with transaction.atomic(using=PDS_DB):
                item = File.objects.select_for_update().select_related("drive").filter(pk=pk).first()
                if item is None:
                    continue
                expendable = retention.expendable(item, now=now)
                revisions_drop(item=item, revisions=expendable)
                removed += len(expendable)
    return removed


def candidate_files(*, domain: Domain, retention: Retention, now: datetime) -> list[int]:
    """Files of the domain that may hold revisions retention removes (a cheap superset)."""
    revisions = Revision.objects.filter(file__drive__domain=domain, keep_forever=False)
    wanted = Q(pk__in=[])
    if retention.keep_days is not None:
        old = revisions.filter(created_at__lt=now - timedelta(days=retention.keep_days))
        wanted |= Q(pk__in=old.values("file_id"))
    files = File.objects.filter(drive__domain=domain)
    if retention.keep_count is not None:
        many = files.annotate(count=Count("revisions")).filter(count__gt=max(retention.keep_count, 1))
        wanted |= Q(pk__in=many.values("pk"))
    return list(files.filter(wanted).values_list("pk", flat=True))

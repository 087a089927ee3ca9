"""`image/create_similar_image_cluster_task`: the drive's near-duplicate photos (bursts,
resized and re-encoded copies), found by the perceptual hashes the analysis stored, as
SimilarImageCluster rows that replace the drive's previous ones.

Two photos are near-duplicates when their 64-bit pHashes differ in at most THRESHOLD bits
(measured on scikit-image's photos: a JPEG re-encode at quality 60 or a 50 % resize moves
0–4 bits, a 2–4 % shift of the frame 0–14 (most ≤ 8), while two different photos differ by
20 or more; stereo frames of one scene, 4). Candidates come from multi-index hashing, not
from every pair: the hash is cut into BANDS bands of 16 bits and, by pigeonhole, two hashes
within THRESHOLD bits have a band within THRESHOLD // BANDS bits of each other, so each
hash looks up only its bands' near keys (137 per band) in sorted key arrays, in numpy.
Candidates are checked on the whole hash and joined by union-find (100,000 random hashes:
~20 s of one core here). Files of one blob share one analysis, so equal content always
lands in one cluster.

The job is an AsyncTask (services/async_tasks.py), polled with `async_task/get`, run by the
Celery task `cluster_similar_images` on the `analysis` queue; a retry or the sweep runs it
again through `run_async_task` (the job is registered in its OPERATIONS below). Its plan
reads and groups the hashes outside any transaction; its one step writes the clusters.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import numpy
from django.db import transaction

from pds_server.models import AsyncTask, Drive, File, ImageAnalysis, MediaInfo, SimilarImageCluster
from pds_server.routers import PDS_DB
from pds_server.services import async_tasks
from pds_server.services.analysis.locks import SIMILAR, drive_job_lock
from pds_server.services.analysis.similar import BITS
from pds_server.services.walk import DONE, Job

OPERATION = "similar_image_cluster"
QUEUE = "analysis"
WRITE_BATCH = 500
THRESHOLD = 10  # bits of 64
BANDS = 4
BAND_BITS = BITS // BANDS
RADIUS = THRESHOLD // BANDS
BAND_MASK = (1 << BAND_BITS) - 1
# Every XOR mask of a band with at most RADIUS bits set: a key's near keys.
NEAR_MASKS = [
    sum(1 << bit for bit in bits)
    for count in range(RADIUS + 1)
    for bits in itertools.combinations(range(BAND_BITS), count)
]


class UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def near_pairs(hashes: numpy.ndarray, threshold: int) -> Iterator[tuple[numpy.ndarray, numpy.ndarray]]:
    """(i, j) index arrays, i < j, of the hashes (uint64) within `threshold` bits: for each
    band and each near mask, the hashes whose band key equals another's key XOR the mask
    (a sorted key array and a binary search, vectorised), checked on the whole hash."""
    for band in range(BANDS):
        keys = (hashes >> numpy.uint64(band * BAND_BITS)) & numpy.uint64(BAND_MASK)
        order = numpy.argsort(keys, kind="stable")
        ordered = keys[order]
        for mask in NEAR_MASKS:
            wanted = keys ^ numpy.uint64(mask)
            low = numpy.searchsorted(ordered, wanted, side="left")
            counts = numpy.searchsorted(ordered, wanted, side="right") - low
            if not counts.any():
                continue
            first = numpy.repeat(numpy.arange(len(keys)), counts)
            offsets = numpy.arange(counts.sum()) - numpy.repeat(numpy.cumsum(counts) - counts, counts)
            second = order[numpy.repeat(low, counts) + offsets]
            keep = first < second
            first, second = first[keep], second[keep]
            close = numpy.bitwise_count(hashes[first] ^ hashes[second]) <= threshold
            yield first[close], second[close]


def similar_groups(hashes: list[int], *, threshold: int = THRESHOLD) -> list[list[int]]:
    """Indices of `hashes` in groups of two or more, joined when within `threshold` bits
    (transitively), each group and the groups in index order."""
    assert threshold // BANDS <= RADIUS, "the near masks cover THRESHOLD // BANDS bits"
    joined = UnionFind(len(hashes))
    if len(hashes) > 1:
        values = numpy.array([value & ((1 << BITS) - 1) for value in hashes], dtype=numpy.uint64)
        for first, second in near_pairs(values, threshold):
            for a, b in zip(first.tolist(), second.tolist(), strict=True):
                joined.union(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(hashes)):
        groups[joined.find(index)].append(index)
    return [group for group in groups.values() if len(group) > 1]


def best_first_key(row: dict) -> tuple:
    """Largest pixel area, then sharpest, then oldest (then the row's pk, for a stable order)."""
    area = (row["media__width"] or 0) * (row["media__height"] or 0)
    created: datetime = row["created_at"]
    return (-area, -(row["media__analysis__sharpness"] or 0.0), created, row["pk"])


def analysed_photos(drive_pk: int) -> list[dict]:
    rows = File.objects.filter(
        drive_id=drive_pk,
        type=File.Type.FILE,
        status=File.Status.AVAILABLE,
        trashed=False,
        media__kind=MediaInfo.Kind.IMAGE,
        media__analysis__state=ImageAnalysis.State.DONE,
        media__analysis__phash__isnull=False,
    ).values(
        "pk",
        "media_id",
        "media__analysis__phash",
        "media__analysis__sharpness",
        "media__width",
        "media__height",
        "created_at",
    )
    return [dict(row) for row in rows]


def clusters_of(rows: list[dict]) -> list[list[int]]:
    """File pks in clusters, best first; one node per blob (its files share one hash)."""
    by_media: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_media[row["media_id"]].append(row)
    media_ids = sorted(by_media)
    hashes = [by_media[media_id][0]["media__analysis__phash"] for media_id in media_ids]
    grouped: set[int] = set()
    clusters = []
    for group in similar_groups(hashes):
        members = [row for index in group for row in by_media[media_ids[index]]]
        grouped.update(media_ids[index] for index in group)
        clusters.append(members)
    # Copies of one blob with no near neighbour are a cluster of their own.
    clusters += [members for media_id, members in by_media.items() if media_id not in grouped and len(members) > 1]
    return [[row["pk"] for row in sorted(members, key=best_first_key)] for members in clusters]


def clusters_write(drive_pk: int, clusters: list[list[int]]) -> int:
    """Replace the drive's clusters, in one transaction (one run at a time per drive: the
    drive's clusters lock is held); files gone or trashed since they were read are left out."""
    with transaction.atomic(using=PDS_DB):
        drive_job_lock(SIMILAR, drive_pk)
        if not Drive.objects.filter(pk=drive_pk, domain__image_analysis_enabled=True).exists():
            return 0  # switched off meanwhile: nothing is kept for it
        SimilarImageCluster.objects.filter(drive_id=drive_pk).delete()
        wanted = [pk for file_pks in clusters for pk in file_pks]
        live: set[int] = set()
        for start in range(0, len(wanted), WRITE_BATCH):
            rows = File.objects.filter(pk__in=wanted[start : start + WRITE_BATCH], drive_id=drive_pk, trashed=False)
            live.update(rows.values_list("pk", flat=True))
        kept = [[pk for pk in file_pks if pk in live] for file_pks in clusters]
        kept = [file_pks for file_pks in kept if len(file_pks) > 1]
        made = SimilarImageCluster.objects.bulk_create(
            [
                SimilarImageCluster(drive_id=drive_pk, cluster_id=uuid.uuid4().hex, image_count=len(file_pks))
                for file_pks in kept
            ],
            batch_size=WRITE_BATCH,
        )
        through = SimilarImageCluster.files.through
        links = [
            through(similarimagecluster_id=cluster.pk, file_id=pk)
            for cluster, file_pks in zip(made, kept, strict=True)
            for pk in file_pks
        ]
        through.objects.bulk_create(links, batch_size=WRITE_BATCH)
    return len(kept)


def cluster_drive(drive_pk: int) -> int:
    """Replace the drive's clusters with those of its analysed photos now; how many."""
    return clusters_write(drive_pk, clusters_of(analysed_photos(drive_pk)))


# --- The async task -------------------------------------------------------------------------


def cluster_plan(*, drive: Drive | None, params: dict) -> dict:
    assert drive is not None, "a similar image cluster task has its drive"
    return {"phase": "write", "total": 1, "clusters": clusters_of(analysed_photos(drive.pk))}


def cluster_step(*, drive: Drive | None, params: dict, state: dict, size: int) -> int:
    assert drive is not None, "a similar image cluster task has its drive"
    count = clusters_write(drive.pk, state.pop("clusters"))
    state.update(phase=DONE, result={"cluster_count": count})
    return 1


CLUSTER = Job(plan=cluster_plan, step=cluster_step)
# Known to `run_async_task` (retries, the sweep) wherever the tasks are imported.
async_tasks.OPERATIONS.setdefault(OPERATION, CLUSTER)


def create_similar_image_cluster_task(*, drive: Drive, user_id: str) -> AsyncTask:
    """The job, queued on the analysis queue once the caller's transaction commits."""
    task = AsyncTask.objects.create(
        async_task_id=uuid.uuid4().hex,
        domain=drive.domain,
        user_id=user_id,
        operation=OPERATION,
        params={"drive_id": drive.pk},
        total_process=1,
        lease_expires_at=async_tasks.lease_end(),
    )
    task_pk = task.pk

    def enqueue() -> None:
        from pds_server.tasks import cluster_similar_images

        cluster_similar_images.apply_async((task_pk,), queue=QUEUE)

    transaction.on_commit(enqueue, using=PDS_DB)
    return task


def cluster_task_run(*, task_pk: int) -> None:
    async_tasks.async_task_run(task_pk=task_pk)

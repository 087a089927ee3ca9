"""Similar photos through the official SDK, unmodified: `create_similar_image_cluster_task`
run by a real Celery worker on the analysis queue and polled with `async_task/get`, then
`search_similar_image_clusters` (path image/query_similar_image_clusters): a re-encoded and
a resized copy land in the original's cluster, best (largest, then sharpest) first; a burst
of one scene clusters; two copies of one file are a cluster; a different photo is not in
any; only what the caller may list shows. And the clustering itself: the banded candidate
search finds exactly what comparing every pair finds."""

from __future__ import annotations

import io
import random
import shutil
import time
from collections import defaultdict

import pytest
import requests
import skimage.data
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from django.conf import settings as django_settings
from PIL import Image
from Tea.exceptions import TeaException

from pds_server.models import File, ImageAnalysis, SimilarImageCluster
from pds_server.services.analysis.similar import hamming, perceptual_hash, sharpness, to_signed
from pds_server.services.analysis.similar_clusters import THRESHOLD, UnionFind, similar_groups
from pds_server.services.media.ingest import media_ingest
from tests.celery_worker import start_worker
from tests.pds_server.api_client import make_api

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def jpeg(image: Image.Image, quality: int = 95) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def sdk_for(live_server, token: str) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token))


def analysed_upload(api, name: str, data: bytes, parent: str = "root") -> str:
    """Upload, ingest, and store the analysis the pipeline would (hash and sharpness)."""
    file_id = api.upload(name, data, parent=parent)["file_id"]
    item = File.objects.get(file_id=file_id)
    media_ingest(file_pk=item.pk)
    item.refresh_from_db()
    assert item.media is not None and item.media.kind == "image"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    ImageAnalysis.objects.update_or_create(
        media=item.media,
        defaults={"state": "done", "phash": perceptual_hash(image), "sharpness": sharpness(image)},
    )
    return file_id


def run_task(client: Client, drive_id: str, worker, log) -> None:
    task_id = client.create_similar_image_cluster_task(m.CreateSimilarImageClusterTaskRequest(drive_id=drive_id)).body
    assert task_id.task_id
    deadline = time.monotonic() + 90
    while True:
        task = client.get_async_task(m.GetAsyncTaskRequest(async_task_id=task_id.task_id)).body
        if task.state != "Running":
            break
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)
    assert task.state == "Succeed", (task.error_code, task.error_message, log.read_text())


def clusters(client: Client, drive_id: str, **fields) -> list[list[str]]:
    body = client.search_similar_image_clusters(m.SearchSimilarImageClustersRequest(drive_id=drive_id, **fields)).body
    return [[item.file_id for item in cluster.files] for cluster in body.similar_image_clusters]


@pytest.mark.slow
def test_the_sdk_finds_copies_of_a_photo_in_one_cluster_best_first(
    live_server, pds_url, make_user, jwt_app, settings, tmp_path
):
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    carol = make_api(pds_url, make_user("carol"), jwt_app)
    bob = make_api(pds_url, make_user("bob"), jwt_app)
    astronaut = Image.fromarray(skimage.data.astronaut())
    cat = Image.fromarray(skimage.data.chelsea())
    coffee = jpeg(Image.fromarray(skimage.data.coffee()))
    copies = alice.folder("Copies")
    files = {
        "original": analysed_upload(alice, "astronaut.jpg", jpeg(astronaut)),
        "q60": analysed_upload(alice, "astronaut-q60.jpg", jpeg(astronaut, quality=60)),
        "half": analysed_upload(alice, "astronaut-small.jpg", jpeg(astronaut.resize((256, 256))), parent=copies),
        "cat": analysed_upload(alice, "cat.jpg", jpeg(cat)),
        # A burst: the same scene, the frame moved by 2 %.
        "cat-burst": analysed_upload(alice, "cat-2.jpg", jpeg(cat.crop((9, 6, 451, 300)).resize(cat.size))),
        "coffee": analysed_upload(alice, "coffee.jpg", coffee),
        "coffee-copy": analysed_upload(alice, "coffee (1).jpg", coffee),
        "page": analysed_upload(alice, "page.jpg", jpeg(Image.fromarray(skimage.data.page()))),
    }
    ids = {file_id: name for name, file_id in files.items()}
    assert File.objects.get(file_id=files["coffee"]).blob_id == File.objects.get(file_id=files["coffee-copy"]).blob_id
    client = sdk_for(live_server, alice.token)

    log = tmp_path / "worker.log"
    worker = start_worker("filesystem://", log, settings, queues="analysis")  # the task is routed there
    try:
        run_task(client, alice.drive_id, worker, log)
        # Running it again replaces the clusters, never adds to them.
        run_task(client, alice.drive_id, worker, log)
    finally:
        worker.terminate()
        worker.wait(20)
    assert SimilarImageCluster.objects.filter(drive_id=alice.drive_id).count() == 3

    found = [[ids[file_id] for file_id in cluster] for cluster in clusters(client, alice.drive_id)]
    assert len(found) == 3, found
    assert found[0][2] == "half" and set(found[0][:2]) == {"original", "q60"}, found  # most photos first
    by_sharpness = sorted(
        ["original", "q60"],
        key=lambda name: -ImageAnalysis.objects.get(media__blob__files__file_id=files[name]).sharpness,
    )
    assert found[0][:2] == by_sharpness  # same size: the sharper first
    assert sorted(map(sorted, found[1:])) == [["cat", "cat-burst"], ["coffee", "coffee-copy"]]
    assert ["coffee", "coffee-copy"] in found  # equal otherwise: the older first
    assert all("page" not in cluster for cluster in found)

    # The SDK's File shape, with a signed thumbnail.
    body = client.search_similar_image_clusters(
        m.SearchSimilarImageClustersRequest(drive_id=alice.drive_id, limit=1, order="desc")
    ).body
    best = body.similar_image_clusters[0].files[0]
    assert best.name in ("astronaut.jpg", "astronaut-q60.jpg") and best.category == "image"
    assert best.image_media_metadata.width == 512
    thumbnail = requests.get(best.thumbnail, timeout=30)
    assert thumbnail.status_code == 200 and max(Image.open(io.BytesIO(thumbnail.content)).size) <= 480
    # Paged by marker, in either order.
    assert body.next_marker
    rest = clusters(client, alice.drive_id, limit=5, marker=body.next_marker)
    assert len(rest) == 2 and [files["original"], files["q60"]] not in rest
    fewest_first = clusters(client, alice.drive_id, order="asc")
    assert len(fewest_first[-1]) == 3 and len(fewest_first[0]) == 2
    with pytest.raises(TeaException) as raised:
        clusters(client, alice.drive_id, order="asc", marker=body.next_marker)
    assert raised.value.code == "InvalidParameter.Marker"

    # A trashed copy leaves its cluster at once.
    alice.ok("recyclebin/trash", {"file_id": files["q60"]}, 204)
    assert [files["original"], files["half"]] in clusters(client, alice.drive_id)

    # Someone with no role on the drive sees nothing; a viewer of the folder of copies
    # sees no cluster (one photo of it is not a cluster) and cannot start the task.
    with pytest.raises(TeaException) as raised:
        clusters(sdk_for(live_server, bob.token), alice.drive_id)
    assert raised.value.code == "NotFound.Drive"
    member = {"identity": {"identity_type": "IT_User", "identity_id": "carol"}, "role_id": "SystemFileViewer"}
    alice.ok("file/add_permission", {"file_id": copies, "member_list": [member]}, 204)
    carol_client = sdk_for(live_server, carol.token)
    assert clusters(carol_client, alice.drive_id) == []
    with pytest.raises(TeaException) as raised:
        carol_client.create_similar_image_cluster_task(m.CreateSimilarImageClusterTaskRequest(drive_id=alice.drive_id))
    assert raised.value.code == "ForbiddenNoPermission.File"
    # Once she may read the whole drive, the clusters are hers to see.
    alice.ok("file/add_permission", {"file_id": "root", "member_list": [member]}, 204)
    assert [files["original"], files["half"]] in clusters(carol_client, alice.drive_id)


def test_a_re_encode_and_a_resize_are_within_the_threshold_and_other_photos_are_not():
    names = ["astronaut", "chelsea", "coffee", "camera", "page", "text", "coins", "moon", "horse", "rocket"]
    photos = {name: Image.fromarray(getattr(skimage.data, name)()).convert("RGB") for name in names}
    for image in photos.values():
        original = perceptual_hash(image)
        reencoded = perceptual_hash(Image.open(io.BytesIO(jpeg(image, quality=60))).convert("RGB"))
        resized = perceptual_hash(image.resize((image.width // 2, image.height // 2)))
        assert hamming(original, reencoded) <= THRESHOLD and hamming(original, resized) <= THRESHOLD
        assert -(1 << 63) <= original < 1 << 63
    hashes = {name: perceptual_hash(image) for name, image in photos.items()}
    for a in names:
        for b in names:
            if a < b:
                assert hamming(hashes[a], hashes[b]) > THRESHOLD, (a, b)
    blurred = photos["astronaut"].resize((128, 128)).resize((512, 512))
    assert sharpness(blurred) < sharpness(photos["astronaut"]) / 3


def test_the_banded_search_finds_what_every_pair_finds():
    rng = random.Random(15)
    hashes = []
    for _ in range(400):
        base = rng.getrandbits(64)
        hashes.append(to_signed(base))
        for _ in range(rng.randint(0, 3)):
            near = base
            for bit in rng.sample(range(64), rng.randint(0, 13)):
                near ^= 1 << bit
            hashes.append(to_signed(near))
    every_pair = UnionFind(len(hashes))
    for i in range(len(hashes)):
        for j in range(i):
            if hamming(hashes[i], hashes[j]) <= THRESHOLD:
                every_pair.union(i, j)
    expected = defaultdict(list)
    for index in range(len(hashes)):
        expected[every_pair.find(index)].append(index)
    groups = similar_groups(hashes)
    assert sorted(groups) == sorted(group for group in expected.values() if len(group) > 1)
    assert any(len(group) > 2 for group in groups) and len(groups) > 100
    assert similar_groups([]) == [] and similar_groups([5]) == [] and similar_groups([-1, -1]) == [[0, 1]]

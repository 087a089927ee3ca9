"""The Duplicates review over HTTP, signed in through the live embedded PDS: real photos
(scikit-image's Chelsea the cat, a cup of coffee) uploaded, read by ingest and analysed; the
page looks for near-duplicates again (an async task of the PDS, run here inline as its worker
would), lists each cluster best first (the largest marked Keep), and the rest go to the trash
through the folder page's trash endpoint, with Undo."""

from __future__ import annotations

import re
import time

from PIL import Image

from pds_server.models import AsyncTask, File
from pds_server.services.analysis.pipeline import analyse_media
from pds_server.services.analysis.similar_clusters import cluster_task_run
from pds_server.services.media.ingest import media_ingest
from tests.drive_helpers import Browser
from tests.pds_server import analysis_images as images


def upload_analysed(person: Browser, name: str, data: bytes) -> str:
    """Upload, then read and analyse it as the ingest and analysis workers would."""
    file_id = str(person.upload(name, data)["file_id"])
    media_ingest(file_pk=File.objects.get(file_id=file_id).pk)
    analyse_media(File.objects.get(file_id=file_id).media_id)
    return file_id


def cat_copies(person: Browser) -> dict[str, str]:
    """Chelsea as taken, at half size, and saved again at low quality; and a coffee cup."""
    cat = images.chelsea()
    half = cat.resize((cat.width // 2, cat.height // 2), Image.LANCZOS)
    return {
        "cat-half.jpg": upload_analysed(person, "cat-half.jpg", images.encoded(half, quality=85)),
        "cat.png": upload_analysed(person, "cat.png", images.encoded(cat, "PNG")),
        "cat-resaved.jpg": upload_analysed(person, "cat-resaved.jpg", images.encoded(cat, quality=40)),
        "coffee.jpg": upload_analysed(person, "coffee.jpg", images.encoded(images.coffee(), quality=90)),
    }


def find_again(person: Browser) -> dict:
    """What the page's script does: start the search, run its job as the worker would, and
    ask until it is done."""
    started = person.post("/photos/duplicates/api/find", json={})
    assert started.status_code == 200, started.text
    task_id = started.json()["task_id"]
    assert task_id
    cluster_task_run(task_pk=AsyncTask.objects.get(async_task_id=task_id).pk)
    for _ in range(50):
        state = person.get(f"/photos/duplicates/api/tasks/{task_id}").json()
        if state["state"] != "Running":
            return state
        time.sleep(0.1)
    raise AssertionError(f"still running: {state}")


def clusters(page: str) -> list[list[tuple[str, bool]]]:
    """Each cluster's photos in order: (file id, checked as the one to keep)."""
    found = []
    for cluster in re.findall(r'<li class="dup-cluster">(.*?)</fieldset>', page, re.S):
        copies = re.findall(
            r'<li class="dup-copy" data-id="([^"]+)">.*?<input type="radio"[^>]*?( checked)?>', cluster, re.S
        )
        found.append([(file_id, bool(checked)) for file_id, checked in copies])
    return found


def test_no_duplicates_says_so(browser):
    upload_analysed(browser, "coffee.jpg", images.encoded(images.coffee(), quality=90))
    assert find_again(browser)["state"] == "Succeed"
    page = browser.get("/photos/duplicates/")
    assert page.status_code == 200
    assert "No duplicates" in page.text and 'class="dup-cluster"' not in page.text
    assert re.search(r'href="/photos/duplicates/" aria-current="page"', page.text)
    assert re.search(r"<button[^>]*data-dup-trash-all[^>]*hidden", page.text)


def test_duplicates_are_listed_best_first_and_the_rest_go_to_the_trash(browser):
    ids = cat_copies(browser)
    assert find_again(browser)["state"] == "Succeed"

    page = browser.get("/photos/duplicates/")
    assert page.status_code == 200
    found = clusters(page.text)
    assert len(found) == 1, found
    copies = found[0]
    # The largest first, and the one kept unless the person chooses another; the coffee is in none.
    assert {file_id for file_id, _ in copies} == {ids["cat.png"], ids["cat-half.jpg"], ids["cat-resaved.jpg"]}
    assert copies[0] == (ids["cat.png"], True) and not any(checked for _, checked in copies[1:])
    assert copies[-1][0] == ids["cat-half.jpg"]
    assert "Keep cat.png" in page.text and "Trash the rest" in page.text and "Trash all duplicates" in page.text
    thumbnail = re.search(r'<img src="(/photos/files/[^"]+/thumbnail/480[^"]*)"', page.text).group(1)
    assert browser.get(thumbnail.replace("&amp;", "&")).headers["Content-Type"] == "image/jpeg"

    # "Trash the rest": the page sends the others to the folder page's trash endpoint.
    rest = [file_id for file_id, _ in copies[1:]]
    trashed = browser.post("/api/actions/trash", json={"ids": rest})
    assert trashed.status_code == 200 and sorted(trashed.json()["done"]) == sorted(rest)
    assert set(File.objects.filter(trashed=True).values_list("file_id", flat=True)) == set(rest)
    assert "No duplicates" in browser.get("/photos/duplicates/").text

    # Undo puts them back, and the cluster with them.
    assert browser.post("/api/actions/restore", json={"ids": rest}).status_code == 200
    find_again(browser)
    assert len(clusters(browser.get("/photos/duplicates/").text)) == 1


def test_the_search_of_duplicates_says_what_is_wrong(browser):
    answer = browser.get("/photos/duplicates/api/tasks/no-such-task")
    assert answer.status_code == 404 and answer.json()["error"]
    signed_out = Browser(browser.base, type(browser.session)())
    assert signed_out.get("/photos/duplicates/", allow_redirects=False).status_code == 302


def test_clusters_emptied_by_the_trash_do_not_hide_the_next_ones(browser, monkeypatch):
    from files import duplicates

    monkeypatch.setattr(duplicates, "CLUSTER_PAGE", 1)  # one cluster a page
    cats = cat_copies(browser)
    # The coffee saved again: a second cluster, of two.
    resaved = upload_analysed(browser, "coffee-resaved.jpg", images.encoded(images.coffee(), quality=40))
    assert find_again(browser)["state"] == "Succeed"
    first = clusters(browser.get("/photos/duplicates/").text)
    assert [len(cluster) for cluster in first] == [3]  # the most photos first
    assert ">More</a>" in browser.get("/photos/duplicates/").text

    rest = [file_id for file_id, _ in first[0][1:]]
    assert browser.post("/api/actions/trash", json={"ids": rest}).status_code == 200
    # The cats' cluster is one photo now: the page goes on to the coffee's, not "No duplicates".
    page = browser.get("/photos/duplicates/").text
    assert "No duplicates" not in page
    assert {file_id for file_id, _ in clusters(page)[0]} == {cats["coffee.jpg"], resaved}
    assert cats["cat.png"] not in page


def test_a_visit_waits_for_a_recent_search_rather_than_starting_another(browser):
    upload_analysed(browser, "coffee.jpg", images.encoded(images.coffee(), quality=90))
    assert find_again(browser)["state"] == "Succeed"
    last = AsyncTask.objects.get().async_task_id
    page = browser.get("/photos/duplicates/").text
    assert f'data-last-find="{last}"' in page
    # The page opening asks without "again": the recent search, not a new one.
    for _ in range(2):
        answer = browser.post("/photos/duplicates/api/find", json={"again": False})
        assert answer.status_code == 200 and answer.json() == {"task_id": last}
    assert AsyncTask.objects.count() == 1
    # "Look again" starts one.
    again = browser.post("/photos/duplicates/api/find", json={}).json()["task_id"]
    assert again != last and AsyncTask.objects.count() == 2


def test_each_keep_choice_names_its_photo_and_is_described_by_its_size(browser):
    ids = cat_copies(browser)
    find_again(browser)
    page = browser.get("/photos/duplicates/").text
    radio = re.search(rf'<input type="radio"[^>]*value="{ids["cat.png"]}"[^>]*>', page).group(0)
    assert 'aria-label="Keep cat.png"' in radio
    described = re.search(r'aria-describedby="([^"]+)"', radio).group(1).split()
    assert described == [f"dup-best-{ids['cat.png']}", f"dup-meta-{ids['cat.png']}"]
    assert re.search(rf'id="dup-best-{ids["cat.png"]}">Best<', page)
    assert re.search(rf'id="dup-meta-{ids["cat.png"]}">451 × 300 · ', page)

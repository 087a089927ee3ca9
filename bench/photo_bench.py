"""Photos measured (bench/drive_bench.py, measure `photos`; a benchmark, not a test).

- Ingest throughput: N 12-megapixel JPEGs (4000×3000, EXIF with DateTimeOriginal and
  OffsetTimeOriginal, camera, lens, exposure and GPS; each a different crop of a noisy,
  textured scene, so every blob differs and each file weighs what a camera's does, about
  3.4 MB) are uploaded through the PDS API while no worker runs; the tasks the uploads
  queued are dropped, a Celery worker is started as production runs it (prefork,
  `--concurrency 2`), and `manage.py pds_media_backfill --no-wait` queues them again: the
  clock runs from that queueing until no file is left unread (MediaInfo not pending).
  Reported: images per second per core (N / elapsed / 2), the time 10,000 such photos would
  take vs the target of 30 minutes, and the peak resident memory of the largest worker
  process in the first and in the last quarter of the run (flat = no leak per image).
- A 1-minute 1080p H.264 video with AAC sound (made with PyAV): the time from its upload's
  completion until its ingest (probe, poster frame, poster thumbnails) is done.
- Timeline at the PDS API: drives of 100,000 and of 100 photos (rows inserted in bulk, with
  capture times spread over 20 years); the median time of file/search as the Photos page
  sends it (photos and videos by `image_time DESC`, 100 per page, the grid's thumbnail URLs
  signed) for the first page, and for a page 80% of the way down (`image_time <= t`, as the
  scrubber jumps), against the first page of the 100-photo drive, over HTTP through nginx;
  the target, as for folders, is ≤ 1.2×.

`--quick` (CI's smoke check): 8 photos, a 5-second 720p video, a library of 5,000.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

WORKER_PROCESSES = 2  # `--concurrency 2`, as deploy/docker-compose.yml runs it on this 2-core machine
TARGET_PHOTOS, TARGET_SECONDS = 10_000, 30 * 60
# What the Photos page (files/photos.py) asks for: photos and videos, with their grid thumbnail URL.
MEDIA = 'category in ["image", "video"]'
GRID_PROCESS = "image/resize,m_lfit,w_480,h_480"
GRID = {"grid": {"image_thumbnail_process": GRID_PROCESS, "video_thumbnail_process": GRID_PROCESS}}
WIDTH, HEIGHT = 4000, 3000
# Where the photos were taken (GPS written in their EXIF): ingest names the places offline.
PLACES = [(48.8584, 2.2945), (35.6586, 139.7454), (40.6892, -74.0445), (-33.8568, 151.2153), (52.5163, 13.3777)]
CAMERAS = [("Canon", "EOS R5"), ("SONY", "ILCE-7M4"), ("Apple", "iPhone 15 Pro"), ("FUJIFILM", "X-T5")]


@dataclass
class PhotoSizes:
    photos: int
    video_seconds: int
    video_size: tuple[int, int]
    library: int


FULL = PhotoSizes(photos=200, video_seconds=60, video_size=(1920, 1080), library=100_000)
QUICK = PhotoSizes(photos=8, video_seconds=5, video_size=(1280, 720), library=5_000)


def measure_photos(bench, quick: bool = False) -> None:
    """The `photos` measure of bench/drive_bench.py: rows of its Photos table (bench.photo_rows)."""
    sizes = QUICK if quick else FULL
    bench.photo_rows = []
    started = time.perf_counter()
    PhotoBench(bench, sizes).run()
    print(f"  (the photos measure took {time.perf_counter() - started:.0f} s)", flush=True)


def report_photos(bench) -> None:
    from drive_bench import print_table

    rows = getattr(bench, "photo_rows", None)
    if not rows:
        return
    print()
    print(f"Photos ({os.cpu_count()} cores; ingest in a Celery worker of {WORKER_PROCESSES} processes, prefork):")
    print()
    print_table(("measure", "Drive", "reference", "ratio", "worker peak RSS (first → last quarter)", "target"), rows)


class PhotoBench:
    def __init__(self, bench, sizes: PhotoSizes):
        self.bench = bench
        self.sizes = sizes
        self.tmp: Path = bench.tmp / "photos"
        self.tmp.mkdir(exist_ok=True)
        self.uploads = requests.Session()  # part URLs are signed: no token
        self.uploads.verify = str(bench.ca)
        self.uploads.trust_env = False
        self.db = None

    def run(self) -> None:
        self.folder = self.bench.pds_post(
            "/v2/file/create",
            {
                "drive_id": self.bench.seed["drive_id"],
                "parent_file_id": "root",
                "name": "Camera",
                "type": "folder",
                "check_name_mode": "auto_rename",
            },
        )["file_id"]
        worker = None
        try:
            worker = self.measure_ingest()
            self.measure_video(worker)
        finally:
            if worker is not None:
                stop(worker)
            if self.db is not None:
                self.db.close()
        self.measure_timeline()

    def row(self, measure: str, drive: str, reference: str, ratio: float | None, memory: str, target: str) -> None:
        self.bench.photo_rows.append(
            (measure, drive, reference, "" if ratio is None else f"{ratio:.2f}", memory, target)
        )
        print(f"  {measure}: {drive} vs {reference}" + (f" -> {ratio:.2f}" if ratio is not None else ""), flush=True)

    # Files ------------------------------------------------------------------------------------

    def upload(self, name: str, data: bytes) -> dict:
        created = self.bench.pds_post(
            "/v2/file/create",
            {
                "drive_id": self.bench.seed["drive_id"],
                "parent_file_id": self.folder,
                "name": name,
                "type": "file",
                "size": len(data),
                "check_name_mode": "auto_rename",
                "part_info_list": [{"part_number": 1}],
            },
        )
        self.uploads.put(created["part_info_list"][0]["upload_url"], data=data).raise_for_status()
        return self.bench.pds_post(
            "/v2/file/complete",
            {"drive_id": self.bench.seed["drive_id"], "file_id": created["file_id"], "upload_id": created["upload_id"]},
        )

    def pds_rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of the PDS database (SQLite in the data directory, or the bench's PostgreSQL),
        through one connection kept open: polling costs the database next to nothing."""
        if self.db is None:
            if self.bench.database_url:
                import psycopg

                url = self.bench.env["PDS_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
                self.db = psycopg.connect(url, autocommit=True)
            else:
                import sqlite3

                self.db = sqlite3.connect(self.bench.tmp / "data" / "pds.sqlite3", timeout=30, isolation_level=None)
        if self.bench.database_url:
            sql = sql.replace("?", "%s")
        return self.db.execute(sql, params).fetchall()

    def unread(self) -> int:
        """Photos and videos of the Camera folder not read yet (no media, or media pending)."""
        return self.pds_rows(
            "SELECT COUNT(*) FROM pds_server_file f LEFT JOIN pds_server_mediainfo m ON m.id = f.media_id"
            " WHERE f.parent_file_id = ? AND f.type = 'file' AND (m.id IS NULL OR m.state = 'pending')",
            (self.folder,),
        )[0][0]

    def media_states(self) -> dict[str, int]:
        return dict(
            self.pds_rows(
                "SELECT m.state, COUNT(*) FROM pds_server_file f JOIN pds_server_mediainfo m ON m.id = f.media_id"
                " WHERE f.parent_file_id = ? GROUP BY m.state",
                (self.folder,),
            )
        )

    # Ingest -----------------------------------------------------------------------------------

    def start_worker(self) -> subprocess.Popen:
        command = [str(self.bench_module().CELERY), "-A", "drive_site", "worker", "--loglevel", "INFO"]
        command += ["--concurrency", str(WORKER_PROCESSES), "--without-gossip", "--without-mingle"]
        worker = self.bench.spawn(command, "photo-worker", self.bench.worker_env)
        log = self.bench.tmp / "photo-worker.out"
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start: " + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        return worker

    @staticmethod
    def bench_module():
        import drive_bench

        return drive_bench

    def measure_ingest(self) -> subprocess.Popen:
        shared = self.bench_module()
        count = self.sizes.photos
        print(f"Uploading {count} 12-megapixel JPEGs with EXIF and GPS (no worker running)...", flush=True)
        scene = textured_scene()
        rng = random.Random(14)
        total = 0
        for number in range(count):
            data = camera_jpeg(scene, number, rng)
            total += len(data)
            self.upload(f"IMG_{number:04d}.jpg", data)
        print(f"  {count} photos, {total / count / 1e6:.1f} MB each on average", flush=True)
        # The uploads queued their reads: drop them, so the clock below starts with the queueing.
        purge = subprocess.run(
            [str(shared.CELERY), "-A", "drive_site", "purge", "-f"],
            cwd=shared.ROOT,
            env=self.bench.worker_env,
            capture_output=True,
            text=True,
        )
        if purge.returncode != 0:
            raise RuntimeError(f"celery purge: {purge.stderr[-2000:]}")
        unread = self.unread()
        if unread != count:
            raise RuntimeError(f"{unread} of {count} photos unread before the worker started: was the queue purged?")

        worker = self.start_worker()
        tree = shared.process_tree
        groups = {
            "Celery worker": lambda: tree(worker.pid),
            "PDS gunicorn": lambda: tree(self.bench.pds.pid),
            "PostgreSQL": lambda: shared.pids_named("postgres"),
            "Redis": lambda: shared.pids_named("redis-server"),
        }
        cpu_before = {name: shared.cpu_seconds(pids()) for name, pids in groups.items()}
        idle = peak_mib(tree(worker.pid), "VmRSS")
        reset_peaks(tree(worker.pid))
        backfill = subprocess.Popen(
            [str(shared.PYTHON), "manage.py", "pds_media_backfill", "--no-wait"],
            cwd=shared.ROOT,
            env={**self.bench.worker_env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = []
        assert backfill.stdout is not None
        for line in backfill.stdout:  # the clock starts when the command has counted the files and queues them
            output.append(line)
            if "file(s) to read" in line:
                break
        start = time.perf_counter()
        first_quarter = last_quarter = 0.0
        quarter_started = False
        deadline = start + max(300, count * 10)
        left, first_read = count, 0.0
        while left and time.perf_counter() < deadline and worker.poll() is None:
            time.sleep(0.25)
            left = self.unread()
            if left < count and not first_read:
                first_read = time.perf_counter() - start
            if not first_quarter and count - left >= max(count // 4, 1):
                first_quarter = peak_mib(tree(worker.pid))
            if not quarter_started and count - left >= count * 3 // 4:
                reset_peaks(tree(worker.pid))
                quarter_started = True
        elapsed = time.perf_counter() - start
        last_quarter = peak_mib(tree(worker.pid))
        output.append(backfill.communicate(timeout=60)[0])
        if backfill.returncode != 0:
            raise RuntimeError("pds_media_backfill: " + "".join(output)[-2000:])
        if left:
            log = (self.bench.tmp / "photo-worker.out").read_text(errors="replace")
            raise RuntimeError(f"{left} of {count} photos still unread after {elapsed:.0f} s: {log[-3000:]}")
        states = self.media_states()
        cpu = {name: (shared.cpu_seconds(pids()) - cpu_before[name]) / count for name, pids in groups.items()}
        print(
            "  CPU per photo: "
            + ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in cpu.items())
            + f" (total {sum(cpu.values()) * 1000:.0f} ms: {TARGET_PHOTOS:,} photos in"
            + f" {TARGET_PHOTOS * sum(cpu.values()) / WORKER_PROCESSES / 60:.0f} min on {WORKER_PROCESSES} cores"
            + f" of their own); the worker kept its {WORKER_PROCESSES} processes"
            + f" {cpu['Celery worker'] * count / elapsed / WORKER_PROCESSES:.0%} busy",
            flush=True,
        )
        print(f"  media states: {states}; the first photo was read after {first_read:.1f} s", flush=True)
        print(
            f"  largest worker process: {idle:.0f} MB idle, peak {first_quarter:.0f} MB in the first quarter"
            f" of the photos, {last_quarter:.0f} MB in the last",
            flush=True,
        )
        if states.get("failed"):
            reasons = self.pds_rows(
                "SELECT DISTINCT m.reason FROM pds_server_file f JOIN pds_server_mediainfo m ON m.id = f.media_id"
                " WHERE f.parent_file_id = ? AND m.state = 'failed'",
                (self.folder,),
            )
            print(f"  NOT ANALYSABLE: {[reason for (reason,) in reasons]}", flush=True)

        per_core = count / elapsed / WORKER_PROCESSES
        needed = TARGET_PHOTOS / TARGET_SECONDS / WORKER_PROCESSES
        projected = TARGET_PHOTOS / (count / elapsed)
        memory = f"{first_quarter:.0f} → {last_quarter:.0f} MB"
        failed = f" ({states['failed']} NOT ANALYSABLE)" if states.get("failed") else ""
        self.row(
            f"ingest {count} 12-MP JPEGs (EXIF, GPS → place, 3 thumbnails), queued to all read{failed}",
            f"{per_core:.2f} images/s per core",
            f"{needed:.2f} /s per core",
            per_core / needed,
            memory,
            "≥ 1, memory flat",
        )
        self.row(
            f"projected: {TARGET_PHOTOS:,} such photos ({count} took {elapsed:.1f} s)",
            f"{projected / 60:.1f} min",
            f"{TARGET_SECONDS // 60} min",
            projected / TARGET_SECONDS,
            "",
            "< 1",
        )
        return worker

    def measure_video(self, worker: subprocess.Popen) -> None:
        shared = self.bench_module()
        seconds, (width, height) = self.sizes.video_seconds, self.sizes.video_size
        print(f"Making a {seconds}-s {height}p H.264 video with PyAV...", flush=True)
        path = self.tmp / "video.mp4"
        make_video(path, seconds, width, height)
        data = path.read_bytes()
        print(f"  {len(data) / 1e6:.1f} MB; uploading it (the worker reads it)...", flush=True)
        label = f"ingest a {seconds}-s {height}p H.264+AAC video ({len(data) / 1e6:.1f} MB: probe, poster, thumbnails)"
        reset_peaks(shared.process_tree(worker.pid))
        done = self.upload("VID_0001.mp4", data)
        start = time.perf_counter()  # the upload's completion queued the read
        state, reason = "pending", ""
        while state == "pending" and time.perf_counter() - start < 600 and worker.poll() is None:
            time.sleep(0.1)
            found = self.pds_rows(
                "SELECT m.state, m.reason FROM pds_server_file f JOIN pds_server_mediainfo m ON m.id = f.media_id"
                " WHERE f.file_id = ?",
                (done["file_id"],),
            )
            if found:
                state, reason = found[0]
        elapsed = time.perf_counter() - start
        memory = f"{peak_mib(shared.process_tree(worker.pid)):.0f} MB"
        if state == "done":
            self.row(label, f"{elapsed:.1f} s", f"{seconds} s of video", elapsed / seconds, memory, "")
        elif "not built" in reason:
            self.row(label, "not built yet", f"{seconds} s of video", None, "", "")
        else:
            self.row(label, f"{state}: {reason}"[:80] or "timed out", f"{seconds} s of video", None, memory, "")

    # Timeline ---------------------------------------------------------------------------------

    def measure_timeline(self) -> None:
        big = self.sizes.library
        print(f"Seeding photo libraries of {big:,} and 100...", flush=True)
        seed = self.bench.django(LIBRARIES.format(app_id=self.bench.seed["app_id"], big=big))
        url = f"{self.bench.stack.pds_url}/v2/file/search"
        sessions = {}
        for label in ("big", "small"):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {seed[label]['token']}"
            session.verify = str(self.bench.ca)
            session.trust_env = False
            sessions[label] = session

        def search(label: str, query: str) -> tuple[float, dict]:
            body = {
                "drive_id": seed[label]["drive_id"],
                "query": query,
                "order_by": "image_time DESC",
                "limit": 100,
                "thumbnail_processes": GRID,
            }
            start = time.perf_counter()
            answer = sessions[label].post(url, json=body)
            elapsed = time.perf_counter() - start
            if answer.status_code == 400:
                raise NotBuilt(answer.json().get("message", answer.text))
            answer.raise_for_status()
            return elapsed, answer.json()

        first = MEDIA
        deep = f'{MEDIA} and image_time <= "{seed["big"]["deep"]}"'
        cases = {"big first": ("big", first), "big deep": ("big", deep), "small first": ("small", first)}
        try:
            for label, query in cases.values():
                for _ in range(3):  # warm: connections, caches
                    _, answer = search(label, query)
                if len(answer["items"]) != 100:
                    raise RuntimeError(f"file/search {query!r} on the {label} library: {len(answer['items'])} items")
        except NotBuilt as error:
            for what in ("first page", "page 80% down"):
                self.row(f"timeline {what}: {big:,} photos vs 100", "not built yet", str(error)[:60], None, "", "≤ 1.2")
            return
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(max(self.bench.sizes.runs * 4, 10)):  # interleaved: the machine's noise hits all alike
            for name, (label, query) in cases.items():
                samples[name].append(search(label, query)[0])
        times = {name: statistics.median(values) * 1000 for name, values in samples.items()}
        self.row(
            f"timeline first page (file/search image_time DESC, 100), {big:,} photos vs 100",
            f"{times['big first']:.1f} ms",
            f"{times['small first']:.1f} ms",
            times["big first"] / times["small first"],
            "",
            "≤ 1.2",
        )
        self.row(
            f"timeline page 80% down (image_time <= t, 100), {big:,} photos vs first page of 100",
            f"{times['big deep']:.1f} ms",
            f"{times['small first']:.1f} ms",
            times["big deep"] / times["small first"],
            "",
            "≤ 1.2",
        )


class NotBuilt(Exception):
    """The PDS refuses the query: its search does not know image_time yet."""


# --- Worker memory -----------------------------------------------------------------------------


def reset_peaks(pids: list[int]) -> None:
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS
        except OSError:
            pass


def peak_mib(pids: list[int], field: str = "VmHWM") -> float:
    """The largest peak resident memory (VmHWM) among these processes since their reset (or,
    with field="VmRSS", the largest resident memory now)."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- Made here: photos and a video -------------------------------------------------------------


def textured_scene():
    """A noisy, textured picture a little larger than a photo; each photo is a crop of it,
    so no two photos have the same pixels and each compresses like a camera's (~3.4 MB)."""
    import numpy as np

    rng = np.random.default_rng(14)
    height, width = HEIGHT + 300, WIDTH + 400
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    corners = rng.integers(0, 256, (3, 3)).astype(np.float32)
    scene = corners[0] + (corners[1] - corners[0]) * y + (corners[2] - corners[0]) * x * (1 - y)
    scene += (20 * np.sin(x * 47 + y * 23) * np.cos(y * 31)).astype(np.float32)
    noise = rng.normal(0, 9, (height // 2, width // 2, 3)).astype(np.float32)
    scene += np.repeat(np.repeat(noise, 2, axis=0), 2, axis=1)
    return np.clip(scene, 0, 255).astype(np.uint8)


def camera_jpeg(scene, number: int, rng: random.Random) -> bytes:
    from PIL import Image

    top, left = rng.randrange(scene.shape[0] - HEIGHT), rng.randrange(scene.shape[1] - WIDTH)
    image = Image.fromarray(scene[top : top + HEIGHT, left : left + WIDTH])
    taken = datetime(2024, 1, 1, 8, 0, tzinfo=UTC) + timedelta(hours=number * 7, seconds=rng.randrange(3600))
    make, model = CAMERAS[number % len(CAMERAS)]
    latitude, longitude = PLACES[number % len(PLACES)]
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, 1
    detail = exif.get_ifd(0x8769)
    detail[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    detail[0x9011] = "+02:00"  # OffsetTimeOriginal
    detail[0x829A], detail[0x829D], detail[0x8827] = (1, 125), (28, 10), 400  # exposure, f-number, ISO
    detail[0x920A], detail[0xA434] = (35, 1), "RF24-105mm F4 L IS USM"  # focal length, lens
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if latitude >= 0 else "S"), dms(abs(latitude) + rng.random() / 100)
    gps[3], gps[4] = ("E" if longitude >= 0 else "W"), dms(abs(longitude) + rng.random() / 100)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))


def make_video(path: Path, seconds: int, width: int, height: int, fps: int = 30) -> None:
    """An H.264 video with AAC stereo sound, a phone's creation time and place in its tags."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        out.metadata["creation_time"] = "2024-05-01T10:00:00.000000Z"
        out.metadata["location"] = "+48.8584+002.2945/"
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "23"}
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        ramp = (np.arange(width + 1024) % 256).astype(np.uint8)
        rows = (np.arange(height + 512) % 256).astype(np.uint8)
        picture = np.zeros((height, width, 3), np.uint8)
        samples, tone = 0, 2 * np.pi * 440 / 48000
        for index in range(seconds * fps):
            picture[..., 0] = ramp[(index * 4) % 1024 :][:width][None, :]
            picture[..., 1] = rows[(index * 2) % 512 :][:height][:, None]
            picture[..., 2] = (index * 3) % 256
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
            while samples < (index + 1) * 48000 // fps:
                wave = (0.2 * np.sin(tone * np.arange(samples, samples + 1024))).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = 48000, samples
                for packet in audio.encode(frame):
                    out.mux(packet)
                samples += 1024
        for stream in (video, audio):
            for packet in stream.encode():
                out.mux(packet)


LIBRARIES = textwrap.dedent("""
    import json, random, django
    django.setup()
    from datetime import UTC, datetime, timedelta
    from django.db import connections
    from django.utils import timezone
    from pds_server.models import App, Blob, Domain, Drive, File, MediaInfo
    from pds_server.services.tokens import tokens_issue
    from pds_server.services.tree import folder_create
    from pds_server.services.users import user_create, user_logon
    domain = Domain.objects.get(domain_id="demo")
    app = App.objects.get(app_id="{app_id}")
    newest, span = datetime(2026, 6, 1, tzinfo=UTC), 20 * 365 * 86400
    out = {{}}
    for code, label, count in (("A", "big", {big}), ("B", "small", 100)):
        user = user_logon(user=user_create(domain=domain, user_id=f"photos-{{label}}", fields={{"user_name": label}},
                                           password="bench-password-1"))
        drive = Drive.objects.get(pk=int(user.default_drive_id))
        token = tokens_issue(app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL"], grant_type="bench",
                             with_refresh_token=False).access_token_value
        folder, _ = folder_create(drive=drive, parent_file_id="root", name="Camera", check_name_mode="ignore",
                                  creator=user.user_id)
        rng = random.Random(count)
        times = sorted((newest - timedelta(seconds=rng.randrange(span)) for _ in range(count)), reverse=True)
        now = timezone.now()
        # Rows inserted in bulk: fixtures, not what is measured. One blob and its media per photo.
        for start in range(0, count, 5000):
            chunk = times[start:start + 5000]
            blobs = Blob.objects.bulk_create([
                Blob(sha1=f"{{code}}{{start + i:039X}}", size=3_400_000, pre_hash="", crc64="0",
                     storage_name=f"bench/{{label}}/{{start + i}}") for i in range(len(chunk))])
            media = MediaInfo.objects.bulk_create([
                MediaInfo(blob=blob, kind="image", state="done", width=4000, height=3000, orientation=1,
                          taken_at=moment, taken_offset=120, camera_make="Canon", camera_model="EOS R5", city="Paris",
                          country="FR", latitude=48.8584, longitude=2.2945, analysed_at=now)
                for blob, moment in zip(blobs, chunk)])
            File.objects.bulk_create([
                File(file_id=f"p{{code}}{{start + i:038d}}", drive=drive, parent_file_id=folder.file_id,
                     name=f"IMG_{{start + i:06d}}.jpg", type="file", size=3_400_000, content_type="image/jpeg",
                     category="image", file_extension="jpg", content_hash=blob.sha1, content_hash_name="sha1",
                     crc64_hash="0", blob=blob, media=info, image_time=info.taken_at, image_time_source="exif",
                     created_at=now, updated_at=now)
                for i, (blob, info) in enumerate(zip(blobs, media))])
        deep = times[int(count * 0.8)]
        out[label] = {{"drive_id": drive.drive_id, "token": token, "deep": deep.isoformat().replace("+00:00", "Z")}}
    # The statistics of the bulk insert, as PostgreSQL's autovacuum takes them within a minute
    # (without them the planner takes the new drive for an empty one and sorts all its rows).
    if connections["pds"].vendor == "postgresql":
        with connections["pds"].cursor() as cursor:
            cursor.execute("ANALYZE pds_server_blob, pds_server_mediainfo, pds_server_file")
    print(json.dumps(out))
""")


if __name__ == "__main__":
    sys.exit("run it through bench/run (bench/drive_bench.py --only photos)")

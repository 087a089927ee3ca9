"""The production shape on loopback: deploy/nginx.conf rendered for local ports in front of
gunicorn (deploy/gunicorn.conf.py) for Drive and for the embedded PDS, with TLS from a
throwaway certificate authority. Used by the deployment test and by bench/run."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# gunicorn's access log with what the test needs: the body bytes gunicorn itself sent and
# the forwarding headers nginx set.
ACCESS_LOG_FORMAT = (
    "%(m)s %(U)s %(s)s bytes=%(B)s xff=%({x-forwarded-for}i)s real=%({x-real-ip}i)s proto=%({x-forwarded-proto}i)s"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before listening on {port}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {port}")
        time.sleep(0.1)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A certificate authority and a server certificate for localhost and 127.0.0.1;
    returns (ca, certificate, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Drive test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    # nginx (1.22) checks an upstream's certificate against DNS names only.
                    x509.DNSName("127.0.0.1"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    paths[2].chmod(0o600)
    return paths


def nginx_part_dir(blob_root: Path) -> Path:
    """Where deploy/nginx.conf writes part bodies for the PDS (its PDS_NGINX_PART_DIR)."""
    return blob_root / "nginx-parts"


def render_nginx_conf(values: dict[str, str]) -> str:
    """deploy/nginx.conf with the template's variables filled in, as envsubst would.
    DRIVE_NGINX_TEMPLATE names another template (an older one, to see a test fail with it)."""
    template = Path(os.environ.get("DRIVE_NGINX_TEMPLATE") or ROOT / "deploy" / "nginx.conf").read_text()
    named = {
        name for _, name, braced, _ in string.Template.pattern.findall(template) for name in (name, braced) if name
    }
    missing = {name for name in named if name.isupper()} - set(values)
    if missing:
        raise KeyError(f"deploy/nginx.conf needs values for {sorted(missing)}")
    return string.Template(template).safe_substitute(values)


@dataclass
class Stack:
    """nginx at https://localhost:<port> (Drive) and https://127.0.0.1:<port> (PDS)."""

    directory: Path
    https_port: int
    http_port: int
    ca: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def drive_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def pds_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def start_nginx(
        self,
        *,
        static_root: Path,
        blob_root: Path,
        drive_upstream: str,
        pds_upstream: str,
        worker_processes: int = 1,
        extra_http: str = "",
    ) -> None:
        cert, key = self.directory / "server.pem", self.directory / "server.key"
        blob_root.mkdir(parents=True, exist_ok=True)  # nginx makes nginx-parts in it
        site = render_nginx_conf(
            {
                "DRIVE_SERVER_NAME": "localhost",
                "PDS_SERVER_NAME": "127.0.0.1",
                "DRIVE_LISTEN": f"127.0.0.1:{self.https_port}",
                "DRIVE_HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
                "DRIVE_TLS_CERTIFICATE": str(cert),
                "DRIVE_TLS_CERTIFICATE_KEY": str(key),
                "DRIVE_UPSTREAM": drive_upstream,
                "PDS_UPSTREAM": pds_upstream,
                "DRIVE_STATIC_ROOT": str(static_root),
                "PDS_BLOB_ROOT": str(blob_root),
                "DRIVE_RESOLVER": "127.0.0.1",
                "DRIVE_PROXY_CA": str(self.ca),
                "DRIVE_ACCESS_LOG": str(self.directory / "nginx-access.log"),
            }
        )
        (self.directory / "drive.conf").write_text(site)
        d = self.directory
        (d / "nginx.conf").write_text(f"""
user root;
worker_processes {worker_processes};
daemon off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;  # deploy/nginx.conf's servers log to nginx-access.log (DRIVE_ACCESS_LOG)
    client_body_temp_path {d}/nginx-body;
    proxy_temp_path {d}/nginx-proxy;
    fastcgi_temp_path {d}/nginx-fastcgi;
    uwsgi_temp_path {d}/nginx-uwsgi;
    scgi_temp_path {d}/nginx-scgi;
    include {d}/drive.conf;
{extra_http}
}}
""")
        check = subprocess.run([NGINX, "-t", "-c", str(d / "nginx.conf")], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(check.stderr)
        process = subprocess.Popen([NGINX, "-c", str(d / "nginx.conf")], stderr=(d / "nginx-stderr.log").open("w"))
        self.processes.append(process)
        wait_for_port(self.https_port, process=process)

    def start_gunicorn(
        self,
        name: str,
        wsgi: str,
        port: int,
        env: dict[str, str],
        workers: int = 2,
        access_log_format: str | None = ACCESS_LOG_FORMAT,
        access_log: bool = True,
    ) -> subprocess.Popen:
        """gunicorn with deploy/gunicorn.conf.py; access_log_format None keeps the file's own,
        access_log False writes none (GUNICORN_ACCESS_LOG empty, as deploy/ behind nginx).
        The PDS takes part bodies nginx wrote (nginx_part_dir); Drive, when its downloads of the
        embedded PDS go to /_pds_local/, has nginx send its parts to the PDS the same way."""
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
        if env.get("DRIVE_ROLE") == "pds" and env.get("DRIVE_DATA_DIR"):
            env.setdefault("PDS_NGINX_PART_DIR", str(nginx_part_dir(Path(env["DRIVE_DATA_DIR"]) / "blobs")))
        if env.get("DRIVE_ROLE") == "drive":
            env.setdefault("DRIVE_PART_ROUTE", "nginx" if env.get("DRIVE_XACCEL_PDS_LOCATION") else "stream")
        log_format = ["--access-logformat", access_log_format] if access_log_format else []
        access = ["--access-logfile", str(self.directory / f"{name}.log")] if access_log else []
        if not access_log:
            env["GUNICORN_ACCESS_LOG"] = ""
        process = subprocess.Popen(
            [
                str(GUNICORN),
                wsgi,
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                *access,
                *log_format,
                "--error-logfile",
                str(self.directory / f"{name}-error.log"),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stderr=(self.directory / f"{name}-stderr.log").open("w"),
        )
        self.processes.append(process)
        wait_for_port(port, process=process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class Browser(requests.Session):
    """requests as a browser: unsafe methods carry a Referer of the page's own origin, as
    Django's CSRF check over HTTPS expects."""

    def request(self, method, url, *args, **kwargs):
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            kwargs["headers"] = {"Referer": re.match(r"https?://[^/]+/", url).group(0), **(kwargs.get("headers") or {})}
        return super().request(method, url, *args, **kwargs)


def pds_signin(browser: requests.Session, authorize_url: str, username: str, password: str) -> str:
    """Sign in and consent on the PDS pages; returns the callback URL they redirect to.
    (tests.drive_helpers has the same, but imports Django models: bench/run has no Django.)"""
    from tests.pds_server.oauth_helpers import post_form

    page = browser.get(authorize_url)
    answer = post_form(browser, authorize_url, page, action="signin", username=username, password=password)
    if answer.status_code == 200 and 'name="decision"' in answer.text:
        answer = post_form(browser, authorize_url, answer, action="consent", decision="allow")
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def sign_in(stack: Stack, username: str, password: str) -> Browser:
    """Sign in to Drive through nginx: Drive's sign-in, the PDS's pages, the callback."""
    browser = Browser()
    browser.verify = str(stack.ca)
    browser.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace `verify`
    answer = browser.get(f"{stack.drive_url}/accounts/login/", allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(
        f"{stack.pds_url}/v2/oauth/authorize?"
    ), answer.text[:300]
    callback = pds_signin(browser, answer.headers["Location"], username, password)
    landing = browser.get(callback, allow_redirects=False)
    assert landing.status_code == 302, landing.text[:500]
    return browser

"""100 slow clients against deploy/nginx.conf: half send their headers a byte a second, half
send an upload part's body a byte a second (to Drive's part endpoint and to the PDS's signed
part URL, whose bodies nginx streams to gunicorn unbuffered). Meanwhile a person at another
address signs in, calls the API and uploads a small file, each answered within seconds.

Against the template before the slow-client limits (`git show 0caa0dd:deploy/nginx.conf >
old.conf`, then DRIVE_NGINX_TEMPLATE=old.conf), the part bodies hold every gunicorn thread
and each of the person's requests times out."""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from requests.adapters import HTTPAdapter

from accounts import crypto
from accounts.models import Credential
from pds_server.models import PdsUser
from tests.deploy.stack import NGINX, Browser, Stack, sign_in

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")

# Loopback addresses other than 127.0.0.1 (which nginx.conf does not limit: Drive calls the
# PDS from it): the slow clients come from one, the person from another.
ATTACKER = "127.0.0.2"
PERSON = "127.0.0.3"
SLOW_CLIENTS = 100
PART_SIZE = 1024 * 1024
PARTS = 5
SERVED_WITHIN = 10.0  # seconds, for each of the person's requests


class SourceAddress(HTTPAdapter):
    """requests from a chosen local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


@dataclass
class SlowClient:
    """One connection at a time, sending a byte a second; reconnects when answered or cut."""

    route: str  # "headers" or "part", and which server
    sni: str
    head: bytes  # headers: trickled too when trickle_head, else sent at once before the body
    trickle_head: bool
    connections: int = 0
    connected_at: float = 0.0  # monotonic time of the current connection; 0 when there is none
    sent: int = 0  # bytes trickled on the current connection
    answers: list[str] = field(default_factory=list)  # status lines, or "closed"

    async def run(self, port: int, context: ssl.SSLContext, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        "127.0.0.1", port, ssl=context, server_hostname=self.sni, local_addr=(ATTACKER, 0)
                    ),
                    timeout=15,
                )
            except (TimeoutError, OSError):
                await asyncio.sleep(1)
                continue
            self.connections += 1
            self.sent, self.connected_at = 0, time.monotonic()
            answer = asyncio.ensure_future(reader.readline())
            try:
                if not self.trickle_head:
                    writer.write(self.head)
                trickled = iter(self.head) if self.trickle_head else iter(lambda: ord("x"), None)
                for byte in trickled:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    self.sent += 1
                    await asyncio.wait({answer}, timeout=1.0)
                    if answer.done() or stop.is_set():
                        break
            except (OSError, ssl.SSLError):
                pass
            finally:
                self.connected_at = 0.0
                if answer.done() and not answer.cancelled() and answer.exception() is None:
                    self.answers.append(answer.result().decode("latin-1").strip() or "closed")
                elif not stop.is_set():
                    self.answers.append("closed")
                answer.cancel()
                writer.close()
            await asyncio.sleep(1)


class Attack:
    """The slow clients on an event loop of their own thread."""

    def __init__(self, port: int, clients: list[SlowClient]) -> None:
        self.port, self.clients = port, clients
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.main(),), daemon=True)

    async def main(self) -> None:
        self.stop_event = asyncio.Event()
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.set_alpn_protocols(["http/1.1"])
        await asyncio.gather(*(client.run(self.port, context, self.stop_event) for client in self.clients))

    def __enter__(self) -> Attack:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        while self.stop_event is None:
            time.sleep(0.05)
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=30)

    def wait_until_in_place(self, timeout: float = 30) -> None:
        """Every client connected and a few bytes into trickling (or answered)."""
        deadline = time.monotonic() + timeout
        while not all(client.sent >= 3 or client.answers for client in self.clients):
            waiting = [client.route for client in self.clients if not (client.sent >= 3 or client.answers)]
            assert time.monotonic() < deadline, f"slow clients not connected after {timeout} s: {waiting}"
            time.sleep(0.2)


def head(method: str, host: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def access_token(user_id: str) -> str:
    credential = Credential.objects.get(user__pds_identity__pds_user_id=user_id)
    return crypto.decrypt(credential.access_token_encrypted)


def timed(results: list[tuple[str, str, float]], what: str, expected: int, call) -> requests.Response | None:
    """Make one of the person's requests; note what came back and how long it took."""
    started = time.monotonic()
    try:
        answer = call()
    except requests.RequestException as error:
        results.append((what, type(error).__name__, round(time.monotonic() - started, 1)))
        return None
    outcome = "ok" if answer.status_code == expected else f"{answer.status_code} {answer.text[:200]}"
    results.append((what, outcome, round(time.monotonic() - started, 1)))
    return answer if answer.status_code == expected else None


def drive_id(user_id: str) -> str:
    return PdsUser.objects.get(user_id=user_id).default_drive_id


def test_a_person_is_served_while_100_slow_clients_hang_on(stack: Stack, make_user):
    make_user("bob", password="bob-password-1")
    attacker = sign_in(stack, "alice", "alice-password-1")
    person = sign_in(stack, "bob", "bob-password-1")
    drive_host, pds_host = f"localhost:{stack.https_port}", f"127.0.0.1:{stack.https_port}"

    # What the slow part bodies go to: a Drive upload, and signed part URLs of a PDS one.
    attacker.get(f"{stack.drive_url}/")
    csrf = attacker.cookies.get("drive_csrftoken")
    started = attacker.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": "slow.bin", "size": PARTS * PART_SIZE, "part_count": PARTS},
        headers={"X-CSRFToken": csrf},
    )
    assert started.status_code == 200, started.text
    upload = started.json()
    pds = requests.Session()
    pds.verify, pds.trust_env = str(stack.ca), False
    pds.headers["Authorization"] = f"Bearer {access_token('alice')}"
    created = pds.post(
        f"{stack.pds_url}/v2/file/create",
        json={
            "drive_id": drive_id("alice"),
            "parent_file_id": "root",
            "name": "slow-direct.bin",
            "type": "file",
            "size": PARTS * PART_SIZE,
            "part_info_list": [{"part_number": number} for number in range(1, PARTS + 1)],
        },
    )
    assert created.status_code in (200, 201), created.text
    part_urls = [part["upload_url"].removeprefix(stack.pds_url) for part in created.json()["part_info_list"]]

    cookies = "; ".join(f"{c.name}={c.value}" for c in attacker.cookies if c.domain.startswith("localhost"))
    drive_part_headers = {
        "Cookie": cookies,
        "X-CSRFToken": csrf,
        "Referer": f"{stack.drive_url}/",
        "Content-Length": str(PART_SIZE),
    }
    quarter = SLOW_CLIENTS // 4
    clients = (
        [
            SlowClient("drive headers", "localhost", head("GET", drive_host, "/", {"Accept": "*/*"}), True)
            for _ in range(quarter)
        ]
        + [
            SlowClient("pds headers", "127.0.0.1", head("POST", pds_host, "/v2/user/get", {"Accept": "*/*"}), True)
            for _ in range(quarter)
        ]
        + [
            SlowClient(
                "drive part",
                "localhost",
                head(
                    "PUT",
                    drive_host,
                    f"/api/uploads/{upload['file_id']}/{upload['upload_id']}/parts/{n % PARTS + 1}",
                    drive_part_headers,
                ),
                False,
            )
            for n in range(quarter)
        ]
        + [
            SlowClient(
                "pds part",
                "127.0.0.1",
                head("PUT", pds_host, part_urls[n % PARTS], {"Content-Length": str(PART_SIZE)}),
                False,
            )
            for n in range(SLOW_CLIENTS - 3 * quarter)
        ]
    )

    results: list[tuple[str, str, float]] = []
    with Attack(stack.https_port, clients) as attack:
        attack.wait_until_in_place()
        attack_in_place = time.monotonic()

        # The person, from another address: the sign-in page, API calls, a small upload.
        visitor = Browser()
        visitor.verify, visitor.trust_env = str(stack.ca), False
        person.mount("https://", SourceAddress(PERSON))
        visitor.mount("https://", SourceAddress(PERSON))
        person_pds = requests.Session()
        person_pds.verify, person_pds.trust_env = str(stack.ca), False
        person_pds.mount("https://", SourceAddress(PERSON))
        person_pds.headers["Authorization"] = f"Bearer {access_token('bob')}"
        get = dict(timeout=SERVED_WITHIN, allow_redirects=False)

        login = timed(results, "Drive sign-in", 302, lambda: visitor.get(f"{stack.drive_url}/accounts/login/", **get))
        if login is not None:
            timed(results, "PDS sign-in page", 200, lambda: visitor.get(login.headers["Location"], **get))
        timed(results, "PDS API call", 200, lambda: person_pds.post(f"{stack.pds_url}/v2/user/get", json={}, **get))
        timed(results, "Drive folder page", 200, lambda: person.get(f"{stack.drive_url}/", **get))
        headers = {"X-CSRFToken": person.cookies.get("drive_csrftoken")}
        content = b"a small file\n" * 100
        start_body = {"parent_id": "root", "name": "small.txt", "size": len(content), "part_count": 1}
        small = timed(
            results,
            "Drive upload start",
            200,
            lambda: person.post(f"{stack.drive_url}/api/uploads", json=start_body, headers=headers, **get),
        )
        if small is not None:
            base = f"{stack.drive_url}/api/uploads/{small.json()['file_id']}/{small.json()['upload_id']}"
            timed(
                results,
                "Drive upload part",
                200,
                lambda: person.put(f"{base}/parts/1", data=content, headers=headers, **get),
            )
            timed(
                results,
                "Drive upload complete",
                200,
                lambda: person.post(f"{base}/complete", json={}, headers=headers, **get),
            )

        still_sending = {
            route: sum(1 for c in clients if c.route == route and 0 < c.connected_at < attack_in_place)
            for route in ("drive part", "pds part")
        }
        refused = {answer for client in clients if client.route.endswith("part") for answer in client.answers}

    asked = ("Drive sign-in", "PDS sign-in page", "PDS API call", "Drive folder page")
    asked += ("Drive upload start", "Drive upload part", "Drive upload complete")
    served = [what for what, outcome, seconds in results if outcome == "ok" and seconds < SERVED_WITHIN]
    assert tuple(served) == asked, (
        f"the person's requests (what, answer, seconds) while slow clients hang on: {results}"
    )
    # A steady sender, however slow, is not cut; the ones over the limits were told 429.
    assert all(still_sending.values()), f"slow part uploads cut by the server: {still_sending}"
    assert refused <= {"HTTP/1.1 429 Too Many Requests"}, refused

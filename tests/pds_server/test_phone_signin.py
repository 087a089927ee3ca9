"""login_type=phone with the file sender (the test reads the codes the PDS writes) and the
HTTP SMS-gateway sender (a real HTTP server on loopback): a code of 6 digits signs the
number's user in; it expires after 5 minutes, burns after 5 tries, is kept only hashed; codes
are rate-limited per number and per source address."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from pds_server.models import AuditLog, PdsUser, PhoneCode, PhoneSignin
from pds_server.services.phone_codes import phone_codes_purge
from pds_server.services.secrets_box import secret_encrypt
from tests.pds_server.oauth_helpers import post_form
from tests.pds_server.signin_helpers import app_url, consent_and_user, open_page

NUMBER = "+8613800138000"


@pytest.fixture
def codes_file(tmp_path) -> Path:
    return tmp_path / "sent" / "codes.txt"


@pytest.fixture
def phone_signin(domain, codes_file) -> PhoneSignin:
    return PhoneSignin.objects.create(
        domain=domain, enabled=True, sender=PhoneSignin.Sender.FILE, file_path=str(codes_file)
    )


def codes_sent(codes_file: Path, phone: str = NUMBER) -> list[str]:
    if not codes_file.exists():
        return []
    rows = [line.split("\t") for line in codes_file.read_text().splitlines()]
    return [code for _, _, number, code in rows if number == phone]


class Phone:
    """One browser on the phone sign-in page of one authorize request."""

    def __init__(self, pds_url: str, app, headers: dict | None = None, **params):
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.url = app_url(pds_url, app, login_type="phone", **params)
        self.page = open_page(self.session, self.url)

    def send(self, phone: str = NUMBER) -> requests.Response:
        self.page = post_form(self.session, self.url, self.page, action="phone_send", phone=phone)
        return self.page

    def enter(self, code: str, phone: str = NUMBER) -> requests.Response:
        answer = post_form(self.session, self.url, self.page, action="phone_signin", phone=phone, code=code)
        if answer.status_code != 302 and 'name="decision"' not in answer.text:
            self.page = answer
        return answer


def test_a_code_sent_to_the_users_number_signs_them_in(pds_url, web_app, phone_signin, codes_file, make_user):
    app, secret = web_app
    make_user("pat", phone=NUMBER)
    phone = Phone(pds_url, app)
    assert 'type="tel"' in phone.page.text
    # Typed as people type it; matched as stored.
    sent = phone.send("+86 138-0013-8000")
    assert sent.status_code == 200 and 'autocomplete="one-time-code"' in sent.text
    assert f"If {NUMBER} belongs to an account, a 6-digit code was sent to it." in sent.text
    [code] = codes_sent(codes_file)
    assert len(code) == 6 and code.isdigit()
    # Kept only as a keyed digest.
    record = PhoneCode.objects.get()
    assert code not in record.code_hash and len(record.code_hash) == 64
    me = consent_and_user(pds_url, phone.session, phone.url, phone.enter(code), app, secret)
    assert me["user_id"] == "pat"
    assert AuditLog.objects.filter(actor_id="pat", action_type="user.signin", detail__login=f"phone:{NUMBER}").exists()
    # Spent: the same code does not sign in twice.
    assert Phone(pds_url, app).enter(code).status_code == 401


def test_an_unknown_number_gets_no_code_but_the_same_page(pds_url, web_app, phone_signin, codes_file):
    app, _ = web_app
    sent = Phone(pds_url, app).send()
    assert sent.status_code == 200 and f"If {NUMBER} belongs to an account" in sent.text
    assert codes_sent(codes_file) == [] and not PhoneCode.objects.exists()


def test_with_registration_on_an_unknown_number_becomes_a_user(pds_url, web_app, phone_signin, codes_file):
    app, secret = web_app
    PhoneSignin.objects.filter(pk=phone_signin.pk).update(allow_registration=True)
    phone = Phone(pds_url, app)
    phone.send()
    [code] = codes_sent(codes_file)
    me = consent_and_user(pds_url, phone.session, phone.url, phone.enter(code), app, secret)
    user = PdsUser.objects.get(phone=NUMBER)
    assert me["user_id"] == user.user_id and user.creator == "phone" and user.password == ""


def test_an_expired_code_is_refused(pds_url, web_app, phone_signin, codes_file, make_user):
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    phone = Phone(pds_url, app)
    phone.send()
    [code] = codes_sent(codes_file)
    record = PhoneCode.objects.get()
    assert timedelta(minutes=4, seconds=50) < record.expires_at - record.created_at <= timedelta(minutes=5)
    PhoneCode.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = phone.enter(code)
    assert answer.status_code == 401 and "The code is wrong or has expired." in answer.text


def test_codes_long_expired_are_purged(pds_url, web_app, phone_signin, make_user):
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    Phone(pds_url, app).send()
    assert phone_codes_purge() == 0
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(days=1, seconds=1))
    assert phone_codes_purge() == 1 and not PhoneCode.objects.exists()


def test_five_wrong_tries_burn_the_code(pds_url, web_app, phone_signin, codes_file, make_user):
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    phone = Phone(pds_url, app)
    phone.send()
    [code] = codes_sent(codes_file)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert phone.enter(wrong).status_code == 401
    assert PhoneCode.objects.get().tries == 5
    answer = phone.enter(code)
    assert answer.status_code == 401 and "The code is wrong or has expired." in answer.text
    # A new code replaces the burnt one.
    phone.send()
    assert phone.enter(codes_sent(codes_file)[-1]).status_code in (200, 302)


def test_a_new_code_replaces_the_earlier_one(pds_url, web_app, phone_signin, codes_file, make_user):
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    phone = Phone(pds_url, app)
    phone.send()
    phone.send()
    first, second = codes_sent(codes_file)
    if first != second:
        assert phone.enter(first).status_code == 401
    assert phone.enter(second).status_code in (200, 302)


def test_codes_are_rate_limited_per_number(pds_url, web_app, phone_signin, codes_file, make_user, settings):
    settings.PDS_PHONE_CODE_NUMBER_MAX_SENDS = 3
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    make_user("sam", phone="+8613900139000")
    phone = Phone(pds_url, app)
    for _ in range(3):
        assert phone.send().status_code == 200
    refused = phone.send()
    assert refused.status_code == 429 and "Too many codes were asked for." in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= settings.PDS_PHONE_CODE_NUMBER_WINDOW
    assert len(codes_sent(codes_file)) == 3
    # Another number from the same address is not held back.
    assert phone.send("+8613900139000").status_code == 200
    assert len(codes_sent(codes_file, "+8613900139000")) == 1


def test_codes_are_rate_limited_per_source_address(pds_url, web_app, phone_signin, codes_file, settings):
    settings.PDS_PHONE_CODE_ADDRESS_MAX_SENDS = 3
    settings.DRIVE_BEHIND_PROXY = True  # the address is nginx's X-Real-IP
    app, _ = web_app
    first = Phone(pds_url, app, headers={"X-Real-IP": "203.0.113.7"})
    for number in range(3):
        assert first.send(f"+86139000000{number}").status_code == 200
    refused = first.send("+8613900000099")
    assert refused.status_code == 429 and "Too many codes were asked for." in refused.text
    other = Phone(pds_url, app, headers={"X-Real-IP": "203.0.113.8"})
    assert other.send("+8613900000099").status_code == 200


def test_wrong_codes_count_in_the_sign_in_throttle_per_address(pds_url, web_app, phone_signin, make_user, settings):
    settings.PDS_SIGNIN_ADDRESS_MAX_FAILURES = 3
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    phone = Phone(pds_url, app)
    phone.send()
    for _ in range(3):
        assert phone.enter("000000").status_code == 401
    answer = phone.enter("000000")
    assert "Too many failed attempts" in answer.text and int(answer.headers["Retry-After"]) > 0


def test_a_number_that_is_no_number_is_said(pds_url, web_app, phone_signin):
    app, _ = web_app
    answer = Phone(pds_url, app).send("call me")
    assert answer.status_code == 400 and "Enter a mobile number" in answer.text


# --- The HTTP SMS-gateway sender --------------------------------------------------------------


class Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": body.decode()})
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received, Gateway.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    server.shutdown()
    server.server_close()


def test_the_http_sender_posts_the_template_to_the_gateway(pds_url, web_app, domain, gateway, make_user):
    app, secret = web_app
    make_user("pat", phone=NUMBER)
    PhoneSignin.objects.create(
        domain=domain,
        enabled=True,
        sender=PhoneSignin.Sender.HTTP,
        http_url=gateway,
        http_body_template='{"to": "$phone", "text": "Your code is $code ($minutes min)"}',
        http_authorization_encrypted=secret_encrypt("Bearer gateway-key-1"),
    )
    phone = Phone(pds_url, app)
    assert phone.send().status_code == 200
    [request] = Gateway.received
    assert request["headers"]["Authorization"] == "Bearer gateway-key-1"
    assert request["headers"]["Content-Type"] == "application/json"
    body = json.loads(request["body"])
    assert body["to"] == NUMBER and body["text"].endswith("(5 min)")
    code = body["text"].split("Your code is ")[1][:6]
    me = consent_and_user(pds_url, phone.session, phone.url, phone.enter(code), app, secret)
    assert me["user_id"] == "pat"


def test_a_gateway_that_refuses_is_said(pds_url, web_app, domain, gateway, make_user):
    app, _ = web_app
    make_user("pat", phone=NUMBER)
    PhoneSignin.objects.create(domain=domain, enabled=True, sender=PhoneSignin.Sender.HTTP, http_url=gateway)
    Gateway.status = 500
    answer = Phone(pds_url, app).send()
    assert answer.status_code == 503 and "The code could not be sent. Try again later." in answer.text

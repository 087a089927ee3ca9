"""How a sign-in code reaches a phone, chosen per domain (PhoneSignin.sender): the log (for
development), a file (development and tests read the codes from it), or an HTTP SMS
gateway, which gets a POST of the domain's body template with $phone, $code and $minutes."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from string import Template

import requests
from django.conf import settings
from django.utils import timezone

from pds_server.models import PhoneSignin
from pds_server.services.secrets_box import secret_decrypt

logger = logging.getLogger(__name__)
GATEWAY_TIMEOUT = 10


class SendFailed(Exception):
    """The code could not be handed to the sender (gateway down or refusing, file not writable)."""


def _file_send(*, config: PhoneSignin, phone: str, code: str) -> None:
    path = Path(config.file_path or settings.PDS_PHONE_CODE_FILE or settings.DATA_DIR / "phone_codes.txt")
    line = f"{timezone.now().isoformat()}\t{config.domain.domain_id}\t{phone}\t{code}\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one short line with O_APPEND: lines of several processes never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    except OSError as exc:
        raise SendFailed(f"Cannot write the code file: {exc.strerror}") from None


def _http_send(*, config: PhoneSignin, phone: str, code: str, minutes: int) -> None:
    if not config.http_url:
        raise SendFailed("No SMS gateway URL is configured.")
    body = Template(config.http_body_template).safe_substitute(phone=phone, code=code, minutes=minutes)
    headers = {"Content-Type": config.http_content_type or "application/json"}
    authorization = secret_decrypt(config.http_authorization_encrypted)
    if authorization:
        headers["Authorization"] = authorization
    try:
        answer = requests.post(
            config.http_url, data=body.encode(), headers=headers, timeout=GATEWAY_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise SendFailed(f"The SMS gateway cannot be reached: {type(exc).__name__}") from None
    if not 200 <= answer.status_code < 300:
        raise SendFailed(f"The SMS gateway answered {answer.status_code}.")


def code_send(*, config: PhoneSignin, phone: str, code: str, minutes: int) -> None:
    """Hand `code` to the domain's sender; SendFailed when it could not."""
    if config.sender == PhoneSignin.Sender.FILE:
        _file_send(config=config, phone=phone, code=code)
    elif config.sender == PhoneSignin.Sender.HTTP:
        _http_send(config=config, phone=phone, code=code, minutes=minutes)
    else:
        # The log sender is for development: a code in a log is a password in a log.
        logger.warning("Sign-in code for %s on %s: %s", phone, config.domain.domain_id, code)

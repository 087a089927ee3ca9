"""Log records without secrets. Signed URLs carry their credential in the query string
(`signature`), the OAuth redirect its `code` and `state`, a share link its password: a
filter on every handler (Django's LOGGING, and gunicorn's error and access logs through
deploy/gunicorn.conf.py) hides those values in the message and in the traceback.

Only the standard library here: gunicorn.conf.py loads this file by path, without
importing the drive_site package (which would load Django's settings in gunicorn's master).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "[hidden]"
# Query parameters whose value is a credential or lets someone act as the user.
SECRET_PARAMETERS = (
    "signature",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "code_verifier",
    "state",
    "share_pwd",
    "share_token",
    "client_secret",
    "password",
    "assertion",
)
_NAMES = "|".join(re.escape(name) for name in SECRET_PARAMETERS)
# name=value after ? or & (a URL), and the same percent-encoded inside another URL's
# parameter (?next=/x%3Fsignature%3D...).
_PLAIN = re.compile(rf"(?i)((?:[?&;]|&amp;)(?:{_NAMES})=)[^&;\s\"'#<>]*")
_ENCODED = re.compile(rf"(?i)((?:%3F|%26)(?:{_NAMES})%3D)(?:[^&\s\"'#<>%]|%(?!26)[0-9A-F]{{2}})*")
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[\w.~+/-]+=*")


def hide_secrets(text: str) -> str:
    """`text` with the value of every secret query parameter and bearer token replaced."""
    text = _PLAIN.sub(rf"\1{HIDDEN}", text)
    text = _ENCODED.sub(rf"\1{HIDDEN}", text)
    return _BEARER.sub(rf"\1{HIDDEN}", text)


class HideSecrets(logging.Filter):
    """Rewrites a record's message (and its traceback text) with hide_secrets; never drops it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_secrets(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            # A requests exception names the URL it failed on, query included.
            record.exc_text = hide_secrets(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = hide_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = hide_secrets(record.stack_info)
        return True

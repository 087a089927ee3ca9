"""The drive app: how it reaches the PDS (the embedded one by default, the PDS cloud by
setting), how users sign in, and how bytes travel between browsers, Drive and the PDS."""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ImproperlyConfigured

from drive_site import keys

from .base import DATA_DIR
from .env import env
from .pds import PDS_DEFAULT_DOMAIN_ID

DRIVE_SITE_URL = env.str("DRIVE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PDS_ENDPOINT = env.str("PDS_ENDPOINT", default="http://127.0.0.1:8001").rstrip("/")
PDS_DOMAIN_ID = env.str("PDS_DOMAIN_ID", default=PDS_DEFAULT_DOMAIN_ID)
PDS_CLIENT_ID = env.str("PDS_CLIENT_ID", default="")
PDS_CLIENT_SECRET = env.str("PDS_CLIENT_SECRET", default="")
PDS_JWT_APP_ID = env.str("PDS_JWT_APP_ID", default="")
PDS_JWT_PRIVATE_KEY_FILE = env.str("PDS_JWT_PRIVATE_KEY_FILE", default="")
PDS_REQUEST_TIMEOUT = env.float("PDS_REQUEST_TIMEOUT", default=30.0)
# Where browsers are sent to sign in; differs from PDS_ENDPOINT only when the server
# reaches the PDS by another address than browsers do.
PDS_AUTHORIZE_URL = env.str("PDS_AUTHORIZE_URL", default=f"{PDS_ENDPOINT}/v2/oauth/authorize")
PDS_OAUTH_SCOPE = env.str("PDS_OAUTH_SCOPE", default="")  # empty: every scope the app has

# oauth: the PDS sign-in page (web-server app). jwt: Django's own users (JWT app).
DRIVE_AUTH_MODE = env.choice("DRIVE_AUTH_MODE", choices=("oauth", "jwt", "accesskey"), default="oauth")
# accesskey: Django's own users, each one's PDS token got with a signed request of this pair.
PDS_ACCESS_KEY_ID = env.str("PDS_ACCESS_KEY_ID", default="")
PDS_ACCESS_KEY_SECRET = env.str("PDS_ACCESS_KEY_SECRET", default="")
# Never built from the Host header.
DRIVE_REDIRECT_URI = f"{DRIVE_SITE_URL}/accounts/callback/"
# A request refreshes a token with less than this left; beat refreshes ahead of that.
DRIVE_TOKEN_REFRESH_MARGIN = env.int("DRIVE_TOKEN_REFRESH_MARGIN", default=300)
DRIVE_BEAT_REFRESH_WINDOW = env.int("DRIVE_BEAT_REFRESH_WINDOW", default=900)
# Seconds between beat's sweeps for credentials expiring within the window.
DRIVE_BEAT_REFRESH_INTERVAL = env.float("DRIVE_BEAT_REFRESH_INTERVAL", default=60.0)
# Fernet keys for tokens at rest (not SECRET_KEY): the first encrypts, all decrypt. Empty:
# the one `pds_bootstrap` generated into $DRIVE_DATA_DIR/token_encryption_key (0600).
TOKEN_ENCRYPTION_KEYS = env.secret_list("TOKEN_ENCRYPTION_KEYS", generated=DATA_DIR / keys.TOKEN_ENCRYPTION_KEY_FILE)
# The BasicUI handshake (accounts/services/basicui.py): sites with their own users that may open
# /accesstoken?origin=<origin> and hand Drive a user's PDS access token by postMessage. Exact
# origins (scheme://host[:port], no path), comma separated; empty: the handshake is off.
# Each must be written as browsers write `location.origin` (else it could never match), and
# plain http only for this machine's own addresses.
DRIVE_BASICUI_ORIGINS = [origin.strip().rstrip("/").lower() for origin in env.list("DRIVE_BASICUI_ORIGINS", default=[])]


def basicui_origin_problem(origin: str) -> str | None:
    """Why an entry of DRIVE_BASICUI_ORIGINS can never be a browser's origin, or may not be one."""
    label = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
    parts = re.fullmatch(rf"(https?)://({label}(\.{label})*|\[[0-9a-f:.]+\])(:([1-9][0-9]{{0,4}}))?", origin)
    if parts is None:
        return "is not an origin like https://site.example (scheme://host[:port], no path, no wildcard)"
    scheme, host, port = parts[1], parts[2], parts[7]
    if port and (int(port) > 65535 or port == {"https": "443", "http": "80"}[scheme]):
        return "has a port browsers never write (the scheme's default, or above 65535): leave it out"
    if host.startswith("["):
        try:
            if ipaddress.IPv6Address(host[1:-1]).compressed != host[1:-1]:
                return f"writes an IPv6 address otherwise than browsers do ([{ipaddress.IPv6Address(host[1:-1])}])"
        except ValueError:
            return "has an IPv6 address that is not one"
    elif re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)  # four decimal parts, no leading zeros
        except ValueError:
            return "has a numeric host that is not an IPv4 address as browsers write it"
    if scheme == "http" and host not in ("localhost", "127.0.0.1", "[::1]"):
        return "is plain http: only https is allowed, except for localhost, 127.0.0.1 and [::1]"
    return None


for _origin in DRIVE_BASICUI_ORIGINS:
    if _problem := basicui_origin_problem(_origin):
        raise ImproperlyConfigured(f"DRIVE_BASICUI_ORIGINS: {_origin!r} {_problem}")

# How /files/<id>/download sends the bytes: stream (through Drive, Range passed through),
# redirect (to the PDS's signed URL, for browsers that can reach it), or xaccel (behind
# nginx: X-Accel-Redirect to DRIVE_XACCEL_PROXY_LOCATION, an internal location that proxies
# to the signed URL, so nginx moves the bytes).
DRIVE_DOWNLOAD_MODE = env.choice("DRIVE_DOWNLOAD_MODE", choices=("stream", "redirect", "xaccel"), default="stream")
DRIVE_XACCEL_PROXY_LOCATION = env.str("DRIVE_XACCEL_PROXY_LOCATION", default="/_pds_proxy/")
# ...and, for signed URLs of the embedded PDS behind the same nginx (origin PDS_PUBLIC_URL),
# this internal location, which proxies to the PDS's gunicorn without a second TLS hop; the
# PDS then hands the blob file itself to nginx. Empty: every download uses the one above.
DRIVE_XACCEL_PDS_LOCATION = env.str("DRIVE_XACCEL_PDS_LOCATION", default="")
# ...and when that PDS trusts this app with its blobs' location (its PDS_XACCEL_TRUSTED_APP_IDS),
# this internal location of the blob directory (nginx's /_pds_blobs/): Drive hands a
# download straight to it, without the signed URL's request. Empty: never.
DRIVE_XACCEL_BLOB_LOCATION = env.str("DRIVE_XACCEL_BLOB_LOCATION", default="")
# How upload parts travel: proxy (browser -> Drive -> PDS, streamed) or direct (browser ->
# PDS part URL, for browsers that can reach the PDS).
DRIVE_UPLOAD_MODE = env.choice("DRIVE_UPLOAD_MODE", choices=("proxy", "direct"), default="proxy")
# In proxy mode behind deploy/nginx.conf with the embedded PDS as its pds_app (signed URLs at
# PDS_PUBLIC_URL, or else at PDS_ENDPOINT): nginx asks Drive (files.part_route) where each part
# goes, then hands the body, written to a file, to the PDS's gunicorn itself (the PDS needs
# PDS_NGINX_PART_DIR). stream: every part streams through Drive (make run).
DRIVE_PART_ROUTE = env.choice("DRIVE_PART_ROUTE", choices=("stream", "nginx"), default="stream")
# How long nginx's part check reuses the part URLs file/create signed (files.uploads): well
# under the PDS's upload URL lifetime (900 s for the embedded PDS).
DRIVE_PART_URL_CACHE_SECONDS = env.int("DRIVE_PART_URL_CACHE_SECONDS", default=300)

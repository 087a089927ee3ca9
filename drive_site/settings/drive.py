"""The drive app: how it reaches the PDS (the embedded one by default, the PDS cloud by
setting), how users sign in, and how bytes travel between browsers, Drive and the PDS."""

from __future__ import annotations

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
DRIVE_AUTH_MODE = env.choice("DRIVE_AUTH_MODE", choices=("oauth", "jwt"), default="oauth")
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
# How upload parts travel: proxy (browser -> Drive -> PDS, streamed) or direct (browser ->
# PDS part URL, for browsers that can reach the PDS).
DRIVE_UPLOAD_MODE = env.choice("DRIVE_UPLOAD_MODE", choices=("proxy", "direct"), default="proxy")

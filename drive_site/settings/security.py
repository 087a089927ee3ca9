"""Defences against guessing and abuse: throttles on every guessable secret, OAuth limits.

Each throttle counts failures per subject (a client, a share, an account, a source address)
in the shared cache (CACHES, Redis across machines) for a window that starts at the first
failure; past the limit the PDS answers 429 with Retry-After until the window ends.
"""

from __future__ import annotations

from .env import env

# Behind nginx (deploy/nginx.conf), which overwrites X-Real-IP with the client's address:
# that header, not the socket's peer (nginx itself), is the source address throttles count.
DRIVE_BEHIND_PROXY = env.bool("DRIVE_BEHIND_PROXY", default=False)

# Sign-in at the PDS's page: per account (PDS_SIGNIN_MAX_FAILURES, in pds.py) and per address.
PDS_SIGNIN_FAILURE_WINDOW = env.int("PDS_SIGNIN_FAILURE_WINDOW", default=900)
PDS_SIGNIN_ADDRESS_MAX_FAILURES = env.int("PDS_SIGNIN_ADDRESS_MAX_FAILURES", default=15)
PDS_SIGNIN_ADDRESS_FAILURE_WINDOW = env.int("PDS_SIGNIN_ADDRESS_FAILURE_WINDOW", default=900)
# Wrong client secrets (token, revoke and the legacy /v2/account/ endpoints), per client_id.
PDS_CLIENT_SECRET_MAX_FAILURES = env.int("PDS_CLIENT_SECRET_MAX_FAILURES", default=10)
PDS_CLIENT_SECRET_FAILURE_WINDOW = env.int("PDS_CLIENT_SECRET_FAILURE_WINDOW", default=900)
# Wrong AccessKey signatures, per key id and source address (as client secrets).
PDS_ACCESSKEY_MAX_FAILURES = env.int("PDS_ACCESSKEY_MAX_FAILURES", default=10)
PDS_ACCESSKEY_FAILURE_WINDOW = env.int("PDS_ACCESSKEY_FAILURE_WINDOW", default=900)
# Wrong share-link passwords, per share.
PDS_SHARE_PASSWORD_MAX_FAILURES = env.int("PDS_SHARE_PASSWORD_MAX_FAILURES", default=10)
PDS_SHARE_PASSWORD_FAILURE_WINDOW = env.int("PDS_SHARE_PASSWORD_FAILURE_WINDOW", default=900)
# Unknown (or cancelled, or expired) share ids asked for anonymously, per source address.
# Shorter window: Drive's own share page reaches the PDS from one address for all visitors.
PDS_SHARE_ID_MAX_FAILURES = env.int("PDS_SHARE_ID_MAX_FAILURES", default=10)
PDS_SHARE_ID_FAILURE_WINDOW = env.int("PDS_SHARE_ID_FAILURE_WINDOW", default=300)
# Sign-in codes sent to phones (each request counts, sent or not), per number and per address;
# wrong codes count in the sign-in's per-address throttle above.
PDS_PHONE_CODE_NUMBER_MAX_SENDS = env.int("PDS_PHONE_CODE_NUMBER_MAX_SENDS", default=5)
PDS_PHONE_CODE_NUMBER_WINDOW = env.int("PDS_PHONE_CODE_NUMBER_WINDOW", default=3600)
PDS_PHONE_CODE_ADDRESS_MAX_SENDS = env.int("PDS_PHONE_CODE_ADDRESS_MAX_SENDS", default=20)
PDS_PHONE_CODE_ADDRESS_WINDOW = env.int("PDS_PHONE_CODE_ADDRESS_WINDOW", default=3600)

# Implicit-flow (browser app) access tokens: no refresh token, exposed in a URL fragment, so
# short-lived (RFC 9700 section 2.1.2): at most an hour whatever is set.
PDS_IMPLICIT_TOKEN_LIFETIME = max(60, min(env.int("PDS_IMPLICIT_TOKEN_LIFETIME", default=3600), 3600))

# Where Drive's sign-out sends the browser to end the PDS sign-in too; empty: the PDS's
# /v2/oauth/logout next to PDS_AUTHORIZE_URL.
PDS_LOGOUT_URL = env.str("PDS_LOGOUT_URL", default="")

"""The embedded PDS server: its domains, lifetimes and signed URLs."""

from __future__ import annotations

from .env import env

# Hosts {domain_id}.<PDS_HOST_SUFFIX> choose that domain; other hosts use the default domain.
PDS_HOST_SUFFIX = env.str("PDS_HOST_SUFFIX", default="pds.localhost")
PDS_DEFAULT_DOMAIN_ID = env.str("PDS_DEFAULT_DOMAIN_ID", default="demo")
# Seconds each process keeps the Domain a Host names (pds_server.selectors.domain_for_host):
# a change saved elsewhere applies within this; 0: read it on every request.
PDS_DOMAIN_CACHE_SECONDS = env.float("PDS_DOMAIN_CACHE_SECONDS", default=5.0)

# PDS_SECRET_KEYS (the PDS's own secrets at rest) is in base.py, next to SECRET_KEY.
# AccessKey signatures: the most a request's Date may be off (the PDS documents: 15 minutes).
PDS_ACCESSKEY_CLOCK_SKEW = 15 * 60
PDS_ACCESS_TOKEN_LIFETIME = env.int("PDS_ACCESS_TOKEN_LIFETIME", default=7200)
PDS_REFRESH_TOKEN_IDLE_LIFETIME = env.int("PDS_REFRESH_TOKEN_IDLE_LIFETIME", default=30 * 86400)
PDS_REFRESH_TOKEN_ABSOLUTE_LIFETIME = env.int("PDS_REFRESH_TOKEN_ABSOLUTE_LIFETIME", default=90 * 86400)
# A rotated refresh token its client presents again this soon, while the token issued from it
# is unused, is a retry (a lost answer), not reuse (RFC 9700 section 4.14.2). 0: no grace.
PDS_REFRESH_REUSE_GRACE_SECONDS = env.int("PDS_REFRESH_REUSE_GRACE_SECONDS", default=120)
# RFC 6749 section 4.1.2 recommends 10 minutes at most.
PDS_AUTHORIZATION_CODE_LIFETIME = min(env.int("PDS_AUTHORIZATION_CODE_LIFETIME", default=300), 600)
PDS_SIGNIN_LIFETIME = env.int("PDS_SIGNIN_LIFETIME", default=3600)
PDS_JWT_MAX_LIFETIME = 300  # an assertion's exp may be at most 5 minutes after its iat
PDS_JWT_CLOCK_SKEW = env.int("PDS_JWT_CLOCK_SKEW", default=30)
PDS_SIGNIN_MAX_FAILURES = env.int("PDS_SIGNIN_MAX_FAILURES", default=10)
# Where a domain's phone sign-in with the file sender appends the codes it sends (when the
# domain names no file of its own; empty: phone_codes.txt in the data directory): a
# development and test aid, never for real users.
PDS_PHONE_CODE_FILE = env.str("PDS_PHONE_CODE_FILE", default="")

# Public base URL of the PDS for signed upload/download URLs; empty: from the request.
PDS_PUBLIC_URL = env.str("PDS_PUBLIC_URL", default="").rstrip("/")
PDS_UPLOAD_URL_LIFETIME = 900
PDS_UPLOAD_LIFETIME = env.int("PDS_UPLOAD_LIFETIME", default=86400)
# Folders with more descendants than this are trashed/restored/deleted/copied by Celery.
PDS_ASYNC_THRESHOLD = env.int("PDS_ASYNC_THRESHOLD", default=1000)
# Per user (per drive for a service token): uploads begun and neither completed nor expired,
# and signed part URLs handed out within their 15-minute life. Beyond them, file/create and
# file/get_upload_url answer 429 TooManyRequests.OpenUploads / TooManyRequests.PartUrls.
PDS_MAX_OPEN_UPLOADS_PER_USER = env.int("PDS_MAX_OPEN_UPLOADS_PER_USER", default=1000)
PDS_MAX_PART_URLS_PER_USER = env.int("PDS_MAX_PART_URLS_PER_USER", default=100_000)
# Storage cleanup (services.fsck): files under a temporary name untouched this long belong
# to a killed process; files no record refers to are removed once older than this grace.
PDS_FSCK_TEMP_AGE = env.int("PDS_FSCK_TEMP_AGE", default=3600)
PDS_FSCK_ORPHAN_AGE = env.int("PDS_FSCK_ORPHAN_AGE", default=86400)
# Days the audit log keeps its rows (a daily task deletes older ones).
PDS_AUDIT_LOG_RETENTION_DAYS = env.int("PDS_AUDIT_LOG_RETENTION_DAYS", default=180)
# Videos are opened by FFmpeg in a child process (services/media/video_child.py) with this
# much address space (MiB), killed after the timeout (seconds): reading one, and making its
# browser-playable rendition.
PDS_MEDIA_VIDEO_MEMORY_MB = env.int("PDS_MEDIA_VIDEO_MEMORY_MB", default=2048)
PDS_MEDIA_VIDEO_TIMEOUT = env.int("PDS_MEDIA_VIDEO_TIMEOUT", default=60)
PDS_MEDIA_RENDITION_TIMEOUT = env.int("PDS_MEDIA_RENDITION_TIMEOUT", default=3600)

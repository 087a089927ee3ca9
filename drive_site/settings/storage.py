"""Where bytes live: the embedded PDS's blobs (local disk or S3-compatible storage through
Django's storage API, django-storages for S3), uploaded media and static files."""

from __future__ import annotations

from .base import BASE_DIR, DATA_DIR
from .env import env

PDS_STORAGE = env.choice("PDS_STORAGE", choices=("local", "s3"), default="local")
# Behind nginx: hand downloads to nginx (X-Accel-Redirect) at this internal location,
# which aliases the blob directory. Empty: Django streams the bytes itself.
PDS_XACCEL_BLOB_LOCATION = env.str("PDS_XACCEL_BLOB_LOCATION", default="")
# Apps (app_id) behind the same nginx to which file/get_download_url also gives that
# location of the blob (x_accel_uri), so they hand it to nginx without the signed URL's
# request: the drive app of the same deployment only. Empty: none.
PDS_XACCEL_TRUSTED_APP_IDS = env.list("PDS_XACCEL_TRUSTED_APP_IDS", default=[])
# Behind nginx: the directory nginx writes upload part bodies to (client_body_temp_path, on
# the blobs' file system); a part PUT carrying X-Pds-Part-File then takes its body from that
# file. Empty: the header is ignored and the body streams through Django.
PDS_NGINX_PART_DIR = env.str("PDS_NGINX_PART_DIR", default="")
if PDS_STORAGE == "s3":
    from boto3.s3.transfer import TransferConfig

    # boto3 reads up to 10 chunks of 8 MiB ahead of each multipart upload by default: with a
    # part, a background digest and a complete at once, a worker grew by 350 MB in the
    # benchmark. One read ahead and two in flight: 18-21 MB of growth for a 1 GiB upload,
    # at the same speed as with two read ahead (40 MB).
    _S3_TRANSFER = TransferConfig(max_concurrency=2, multipart_chunksize=8 * 1024 * 1024)
    _S3_TRANSFER.max_in_memory_upload_chunks = 1
    _S3_TRANSFER.max_in_memory_download_chunks = 2
    PDS_BLOB_STORAGE = {
        "BACKEND": "pds_server.storage.s3_backend.SharedModelsS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("PDS_S3_BUCKET"),
            "endpoint_url": env.str("PDS_S3_ENDPOINT_URL", default=None),
            "access_key": env.str("PDS_S3_ACCESS_KEY", default=None),
            "secret_key": env.str("PDS_S3_SECRET_KEY", default=None),
            "region_name": env.str("PDS_S3_REGION", default=None),
            "signature_version": "s3v4",
            "file_overwrite": True,
            "transfer_config": _S3_TRANSFER,
        },
    }
else:
    # Behind nginx (PDS_XACCEL_BLOB_LOCATION) nginx's workers read the files: group-readable,
    # with nginx's user in the PDS user's group. Otherwise only the PDS's user reads them.
    PDS_BLOB_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(DATA_DIR / "blobs"),
            "file_permissions_mode": 0o640 if PDS_XACCEL_BLOB_LOCATION else 0o600,
            "directory_permissions_mode": 0o750 if PDS_XACCEL_BLOB_LOCATION else 0o700,
        },
    }

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "pds_blobs": PDS_BLOB_STORAGE,
}

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
# Without nginx, WhiteNoise serves static files; in development straight from the finders.
WHITENOISE_USE_FINDERS = True

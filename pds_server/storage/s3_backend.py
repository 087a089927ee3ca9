"""The `pds_blobs` storage backend on S3 (PDS_STORAGE=s3): django-storages' S3Storage,
whose per-thread boto3 sessions share the service models. Imported only when configured:
boto3 and botocore cost a worker about 25 MB before the first session."""

from __future__ import annotations

import os
import threading

import boto3
import botocore.loaders
import botocore.session
from storages.backends.s3 import S3Storage

# botocore's service models (endpoints, S3's API), loaded once per process. Each boto3
# session otherwise loads its own, 13 MB for S3, and django-storages makes a session for
# every thread that touches the bucket: up to 16 per gunicorn worker. botocore shares one
# loader between the clients of a session the same way; the models are only read.
SHARED_MODELS = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
# Each boto3 session appends boto3's own model directory to its loader's search paths: with
# one loader for all, the appends after the first are taken out again.
_PATHS_LOCK = threading.Lock()


class SharedModelsS3Storage(S3Storage):
    """django-storages' S3Storage (the `pds_blobs` backend on S3), whose per-thread
    sessions read the service models of this process's one loader."""

    def _create_session(self) -> boto3.Session:
        core = botocore.session.get_session()
        core.register_component("data_loader", SHARED_MODELS)
        with _PATHS_LOCK:
            if self.session_profile:
                session = boto3.Session(profile_name=self.session_profile, botocore_session=core)
            else:
                session = boto3.Session(
                    aws_access_key_id=self.access_key,
                    aws_secret_access_key=self.secret_key,
                    aws_session_token=self.security_token,
                    botocore_session=core,
                )
            paths = SHARED_MODELS.search_paths
            paths[:] = list(dict.fromkeys(paths))
        return session

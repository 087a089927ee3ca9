"""Two completes of one upload, interleaved on purpose: a race a test cannot wait for."""

from __future__ import annotations

from pds_server.models import Upload
from pds_server.services import upload_complete


def rival_complete_commits_first(monkeypatch) -> None:
    """The next complete, between its hashing and its commit, lets another complete of the
    same upload run from start to end."""
    real_commit = upload_complete.complete_commit

    def rival_commits_first(upload, parts, assembled, stored_name, **options):
        monkeypatch.setattr(upload_complete, "complete_commit", real_commit)
        upload_complete.upload_complete(upload=Upload.objects.get(pk=upload.pk))
        return real_commit(upload, parts, assembled, stored_name, **options)

    monkeypatch.setattr(upload_complete, "complete_commit", rival_commits_first)

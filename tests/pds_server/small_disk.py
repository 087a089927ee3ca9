"""A small disk for the blob storage: a real tmpfs where this process may mount one (root),
else the storage's normal directory with the kernel's answers faked (`mounted` False)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIB = 1024 * 1024


@contextmanager
def small_disk(path: Path, size: int) -> Iterator[bool]:
    """Mount a tmpfs of `size` bytes on `path`; yields whether it is mounted."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(path)], check=True)


def blobs_on(settings, location: Path) -> None:
    """Point the `pds_blobs` storage at `location` for this test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "pds_blobs": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }

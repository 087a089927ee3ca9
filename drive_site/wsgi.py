"""WSGI entry point of the drive web app (DRIVE_ROLE=drive)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")

from drive_site.wsgi_start import started_application  # noqa: E402

application = started_application()

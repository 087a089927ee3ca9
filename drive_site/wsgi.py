"""WSGI entry point of the drive web app (DRIVE_ROLE=drive)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")
application = get_wsgi_application()

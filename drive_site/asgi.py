"""ASGI entry point of the drive web app."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")
application = get_asgi_application()

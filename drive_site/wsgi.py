"""WSGI entry point of the drive web app (DRIVE_ROLE=drive)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")
application = get_wsgi_application()

# Import every view (and what the views import) as the worker starts, not on its first
# request: that request would wait for the imports, and the worker's memory would grow by
# them under load (about 40 MB in the PDS) instead of being there from the start.
IMPORTED_URL_PATTERNS = get_resolver().url_patterns

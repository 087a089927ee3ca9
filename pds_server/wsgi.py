"""WSGI entry point of the embedded PDS server: the same codebase, its own process and port.

The drive app reaches it over HTTP exactly as it would reach the PDS cloud, so a drive
request waiting on the PDS never waits on a worker of its own server.
"""

import os

os.environ["DRIVE_ROLE"] = "pds"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import get_resolver  # noqa: E402

application = get_wsgi_application()

# Import every view (and what the views import) as the worker starts, not on its first
# request: that request would wait for the imports, and the worker's memory would grow by
# them under load (about 40 MB in the PDS) instead of being there from the start.
IMPORTED_URL_PATTERNS = get_resolver().url_patterns

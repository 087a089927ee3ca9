"""WSGI entry point of the embedded PDS server: the same codebase, its own process and port.

The drive app reaches it over HTTP exactly as it would reach the PDS cloud, so a drive
request waiting on the PDS never waits on a worker of its own server.
"""

import os

os.environ["DRIVE_ROLE"] = "pds"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")

from drive_site.wsgi_start import started_application  # noqa: E402
from pds_server.handler import pds_application  # noqa: E402

application = pds_application(started_application())

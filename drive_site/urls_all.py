"""Both URL sets in one process, for the test suite's live server only.

The live server is multi-threaded, so a drive request that calls the PDS over HTTP is
served by another thread; `make run` and production run the two as separate processes.
"""

from drive_site.urls import urlpatterns as drive_urlpatterns
from pds_server.urls import urlpatterns as pds_urlpatterns

urlpatterns = pds_urlpatterns + drive_urlpatterns

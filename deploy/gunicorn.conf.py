"""gunicorn for Drive (and, with pds_server.wsgi, for the embedded PDS).

gthread workers: a request waiting on the PDS or streaming a file holds a thread, not a
whole worker. gunicorn does not defend itself against slow clients (a thread reads a
request at the client's pace): deploy/nginx.conf does, by reading headers and most bodies
whole before gunicorn sees them and by capping the part uploads it streams through.
"""

import multiprocessing
import os
import runpy
from pathlib import Path

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Part uploads stream through unbuffered, a thread each: nginx lets at most 12 of them
# through per site (4 per client address), so even if all of them land on one worker it
# keeps threads for pages and API calls. Keep GUNICORN_THREADS above those caps.
threads = int(os.environ.get("GUNICORN_THREADS", 16))
# For gthread this is the main loop's heartbeat, not a limit on a request: a slow 1 GiB
# transfer is not killed; a worker stuck for this long is.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 600))
# On restart, requests in flight get this long to finish; a part that does not (64 MiB from a
# line slower than 1 MB/s) fails, and the browser sends it again.
graceful_timeout = 60
# Longer than nginx keeps an idle upstream connection (keepalive_timeout 4s in its
# upstream blocks): gunicorn never closes one that nginx is about to reuse.
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Requests are parsed by gunicorn_h1c (requirements.txt), gunicorn's C parser: the Python
# parser cost ~4% of both servers' CPU per small download. "fast", not "auto", so that a
# missing or unusable h1c stops gunicorn instead of slowing it unnoticed. Limits below apply
# to it as to the Python parser.
http_parser = "fast"
# What nginx passes (large_client_header_buffers 4 8k), and no more from anyone else.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Standard output by default (`make run`, nothing in front). Behind deploy/nginx.conf, whose
# access log records every request already, compose's web and pds and drive-web.service set
# GUNICORN_ACCESS_LOG empty (none): a second line per request cost gunicorn about 9% of its CPU on small
# downloads (bench/run).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The path without its query string: signed URLs carry their signature there and the
# OAuth callback its code. No Referer either (it may be such a URL).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s "%(a)s" %(M)sms'

# drive_site/logging.py by path: importing the drive_site package would load Django's
# settings in the master.
_hide_secrets = runpy.run_path(str(Path(__file__).resolve().parent.parent / "drive_site" / "logging.py"))


class Logger(glogging.Logger):
    """gunicorn's logger with Drive's secret filter on the error and access logs: an error
    names the request's URI, query string included."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(_hide_secrets["HideSecrets"]())


logger_class = Logger

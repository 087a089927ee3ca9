"""gunicorn for Drive (and, with pds_server.wsgi, for the embedded PDS).

gthread workers: a request waiting on the PDS or streaming a file holds a thread, not a
whole worker. The timeout is generous: behind nginx large downloads leave by
X-Accel-Redirect, but uploads stream their parts through Drive.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# Seconds a worker may go silent; a 1 GiB transfer at a slow 5 MB/s takes ~200 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 600))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"

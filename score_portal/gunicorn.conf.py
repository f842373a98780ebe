"""gunicorn settings for production (bin/serve): `gunicorn -c score_portal/gunicorn.conf.py score_portal.wsgi`.

Each value can be changed from the environment without editing this file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Threaded workers: a worker waiting on PostgreSQL serves another request meanwhile, and browsers'
# keep-alive connections do not each hold a whole process. Default one process per core, of 4
# threads: the requests are mostly Python, so more processes than cores only share the same cores,
# and each process keeps its own keep-alive connections, so with more processes the users of the
# busiest wait longer. At 100 back-to-back users on 2 cores, 30 s runs gave a p95 of 244–476 ms
# with 2 processes and 476–785 ms with 3 (README, "Load test").
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Imports of a few thousand rows finish well within this; a stuck request is killed and logged.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in a library cannot grow without bound; not often,
# since a new process starts with an empty page cache (dashboard.page_cache).
max_requests = 50000
max_requests_jitter = 5000
# The request log comes from score_portal.middleware (with the user and duration); gunicorn's
# own access log would only repeat it. Errors and worker events go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The TLS proxy in front sets X-Forwarded-Proto / X-Forwarded-For; trust it only from these.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the application before forking: a settings error stops start-up once, loudly.
preload_app = True
# gunicorn's runtime control socket is not used, and two instances on one machine (a load test
# beside the service) would fight over its single default path.
control_socket_disable = True

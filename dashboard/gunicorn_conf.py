"""gunicorn's settings for production: `gunicorn -c python:dashboard.gunicorn_conf 'dashboard.wsgi:app'`
(docs/deployment.md says why each number). Environment variables override them: WEB_CONCURRENCY
(workers), GUNICORN_THREADS, and gunicorn's own GUNICORN_CMD_ARGS (e.g. "--bind 0.0.0.0:8050")."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))   # one per core is the start; each holds a snapshot
worker_class = "gthread"       # threads: a dashboard's requests mostly wait on PostgreSQL
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_connections = 1000      # open connections per worker (gthread keeps idle keep-alive ones)
keepalive = 75                 # longer than any poll interval and than a load balancer's idle timeout (60 s)
timeout = 60                   # a worker silent this long is restarted (a map build at 1M takes < 10 s)
graceful_timeout = 30          # on restart/deploy, requests in flight get this long to finish
max_requests = 20000           # recycle workers now and then (memory), staggered by the jitter
max_requests_jitter = 2000
preload_app = False            # each worker builds its own app: no database connection is shared across fork
accesslog = "-"
control_socket_disable = True  # gunicorn >= 27: several app processes on one host would share one socket path

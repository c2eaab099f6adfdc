"""gunicorn's settings for production: `gunicorn -c python:dashboard.gunicorn_conf 'dashboard.wsgi:app'`
(docs/deployment.md says why each number). Environment variables override them: WEB_CONCURRENCY
(workers), GUNICORN_THREADS, and gunicorn's own GUNICORN_CMD_ARGS (e.g. "--bind 0.0.0.0:8050")."""

import gc
import logging
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))   # one per core is the start; each holds a snapshot
worker_class = "gthread"       # threads: a dashboard's requests mostly wait on PostgreSQL
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_connections = 1000      # open connections per worker (gthread keeps idle keep-alive ones)
keepalive = 75                 # longer than any poll interval and than a load balancer's idle timeout (60 s)
timeout = 60                   # a worker silent this long is restarted (a map build at 1M takes < 10 s)
graceful_timeout = 30          # on restart/deploy, requests in flight get this long to finish
# Recycle workers now and then (memory), staggered by the jitter. Not often: a recycled worker closes its
# kept-alive connections, and a request sent into one as it closes fails (one reset in the load benchmark;
# 200 dashboards bring each of 4 workers to 20,000 requests in ~6.5 minutes); 200,000 is about an hour per
# worker at 200 dashboards on 4 workers.
max_requests = 200000
max_requests_jitter = 20000
# The master imports the app and maps the registry snapshot once; the workers are forked from it and
# share those pages copy-on-write (~150 MB of Python per worker otherwise: benchmarks/share.py).
# No database connection crosses the fork: the master closes its pool before forking (pre_fork).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
accesslog = "-"
control_socket_disable = True  # gunicorn >= 27: several app processes on one host would share one socket path


_prepared = False


def _services(server):
    app = server.app.wsgi()  # with preload_app: the application the master already loaded
    return getattr(app, "extensions", {}).get("connect_dallas")


def pre_fork(server, worker):
    """In the master, before each worker is forked (preload_app only): the first time,
    prepare_master (below) so every worker starts with what it shares."""
    global _prepared
    if not preload_app or _prepared:
        return
    _prepared = True
    prepare_master(_services(server))


def prepare_master(svc) -> None:
    """Map the registry snapshot and build its index, build the geography and import pandas
    (both lazy in a single process, so its first map does not wait for them: the workers would
    otherwise each build their own copy on the first CAD post or registry change), close the
    database pool (a connection must never be used by two processes), and move every object the
    app made to gc's permanent generation (gc.freeze), so the workers' collections do not write to
    those pages and un-share them. benchmarks/share.py's preload mode calls it too."""
    if svc is not None:
        try:
            snapshot = svc.registry.get()
            snapshot.index()
        except Exception:  # noqa: BLE001 - the database may be down: each worker then loads its own
            logging.getLogger(__name__).warning("registry snapshot not preloaded", exc_info=True)
        svc.geo  # noqa: B018 - built here once, shared by every worker
        import dashboard.registry.frames  # noqa: F401 - pandas, for the workers' first registry change
        svc.db.engine.dispose()
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """In each new worker: a pool of its own (nothing inherited from the master is reused)."""
    if not preload_app:
        return
    svc = _services(server)
    if svc is not None:
        svc.db.engine.dispose(close=False)

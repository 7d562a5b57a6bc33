"""Gunicorn settings for the webhook service (``prguard serve`` passes bind and worker count)."""
from __future__ import annotations

# Slow clients must not occupy the service (app/gunicorn_worker.py says why gevent, not gthread): each
# connection is a greenlet, its headers must arrive within `keepalive` seconds (gunicorn's gevent
# worker applies that bound to every request, the first one too) and the whole request within the
# class's 15 s deadline. ingress-nginx buffers requests in production as well; the service holds
# on its own, e.g. when port-forwarded or behind a plain Service.
worker_class = "app.gunicorn_worker.DeadlineGeventWorker"
# Open connections per worker process, slow ones included; a request itself takes milliseconds.
worker_connections = 1000
# A worker whose event loop is blocked for 30 s (it cannot even heartbeat) is stuck and replaced.
timeout = 30
graceful_timeout = 20
# Seconds to wait for a request's headers, and for the next request on a kept-alive connection
# (a load balancer reuses connections between probes and deliveries).
keepalive = 5
# Each worker builds its own app after the fork: no store connection or thread crosses a fork.
preload_app = False
# The app logs every delivery with its id; gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
# Gunicorn's control socket is one fixed path per user: several services on one machine (tests, the
# demo) would fight over it, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Exempt what the worker built at start (imports, the app, the store) from the cyclic collector: it
    lives as long as the worker, and each full collection walked all of it, a 40-75 ms pause of the
    event loop and of every request on it."""
    import gc

    gc.freeze()


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared Prometheus directory."""
    from app.metrics import mark_process_dead

    mark_process_dead(worker.pid)

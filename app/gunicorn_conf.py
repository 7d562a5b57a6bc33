"""Gunicorn settings for the webhook service (``prguard serve`` passes bind and worker count)."""
from __future__ import annotations

# Threads per worker: a request is a few store writes, so a handful of threads keep a core busy
# without the memory of extra processes.
worker_class = "gthread"
threads = 4
# GitHub waits 10 s for an answer; a request still running after 30 s is stuck, so its worker is replaced.
timeout = 30
graceful_timeout = 20
# Behind a load balancer (Kubernetes Service / ingress) connections are reused between probes and deliveries.
keepalive = 5
# Each worker builds its own app after the fork: no store connection or thread crosses a fork.
preload_app = False
# The app logs every delivery with its id; gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
# Gunicorn's control socket is one fixed path per user: several services on one machine (tests, the
# demo) would fight over it, and nothing here uses it.
control_socket_disable = True


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared Prometheus directory."""
    from app.metrics import mark_process_dead

    mark_process_dead(worker.pid)

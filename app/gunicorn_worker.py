"""The gunicorn worker class of the webhook service: gevent, with a deadline on every request.

Why gevent: a gthread worker reads a request's headers and body on one of its few threads, with no
timeout once the first byte arrived, so eight clients sending one byte per second took the service
down. Under gevent a connection is a greenlet (a few KiB), so hundreds of slow clients cost little,
and gunicorn's gevent worker already bounds the wait for a request's headers by ``keepalive``
seconds. This class adds the missing bound on the rest: a request that is not received, handled and
answered within PRGUARD_REQUEST_DEADLINE_SECONDS (15 s) has its connection closed. GitHub itself
gives up on a delivery after 10 s, so nothing it still waits for is ever cut.

And each answered request yields to the event loop before the connection's next one is read. A
greenlet runs until it blocks, and on a kept-alive connection whose next request is already there
(a client or proxy quick to reuse it, or one pipelining requests) the read never blocks: that one
connection was served request after request while the others' requests waited, up to hundreds of
milliseconds, a p99 of 0.2-2 s with 16 kept-alive connections even for a bare Flask app.
"""
from __future__ import annotations

import os
import warnings

import gevent
from gevent import monkey, socket
from gunicorn.workers.ggevent import GeventWorker

from prguard.config import Settings


class DeadlineGeventWorker(GeventWorker):
    """gunicorn's gevent worker; a request that takes longer than the deadline loses its connection."""

    deadline_seconds = Settings.request_deadline_seconds

    def patch(self):
        # As GeventWorker.patch, but subprocess and os (fork, waitpid) stay the standard ones: the model
        # registry lookup runs on a real thread (app.health.off_the_event_loop) and importing MLflow
        # starts a subprocess there, which gevent's versions can only watch from its main loop (they
        # hang elsewhere). Nothing on the loop starts a process or forks.
        with warnings.catch_warnings():
            # gevent warns that signal is patched without os: that is the intent above, and a worker
            # installs no SIGCHLD handler afterwards. Without this every worker start logs the warning.
            warnings.simplefilter("ignore", monkey.MonkeyPatchWarning)
            monkey.patch_all(subprocess=False, os=False)
        self.sockets = [socket.socket(s.FAMILY, socket.SOCK_STREAM, fileno=s.sock.detach())
                        for s in self.sockets]

    def init_process(self):
        # This class is part of the service's entrypoint (gunicorn loads it), so it reads the setting.
        self.deadline_seconds = Settings.from_env(os.environ).request_deadline_seconds
        super().init_process()

    def handle_request(self, listener_name, req, sock, addr):
        deadline = gevent.Timeout(self.deadline_seconds)
        deadline.start()
        try:
            super().handle_request(listener_name, req, sock, addr)
        except gevent.Timeout as timeout:
            if timeout is not deadline:
                raise
            self.log.warning("closed the connection from %s: its request %s %s was not received and "
                             "answered within %.0f s", addr[0] if addr else "?", req.method, req.path[:100],
                             self.deadline_seconds)
            # The body may be half read: the connection cannot carry another request. StopIteration is
            # how gunicorn's async worker is told to close it (AsyncWorker.handle).
            raise StopIteration() from None
        finally:
            deadline.close()
        gevent.sleep(0)  # the other connections' requests first (see the module docstring)

"""The embedded store's connections: one per OS thread, also under the webhook service's gevent patching."""
from __future__ import annotations

import json
import subprocess
import sys

# Run in its own interpreter: gevent's monkey patching cannot be undone in the test session.
GREENLETS = """
import json, sys
from gevent import monkey
monkey.patch_all(subprocess=False, os=False)  # as app/gunicorn_worker.py patches
import gevent
from prguard.store.sqlite import SQLiteStore

store = SQLiteStore(sys.argv[1])

def delivery(i):
    # Each webhook connection is a greenlet; each records a delivery and reads it back.
    store.deliveries.claim(f"d{i}", "ping", None)
    return store.deliveries.get(f"d{i}") is not None

greenlets = [gevent.spawn(delivery, i) for i in range(200)]
gevent.joinall(greenlets, raise_error=True)
gevent.get_hub().threadpool.apply(store.deliveries.get, ("d0",))  # on a real OS thread
print(json.dumps({"read_back": sum(g.value for g in greenlets), "connections": len(store._conns._opened)}))
"""


def test_greenlets_of_one_thread_share_a_connection_and_an_os_thread_has_its_own(tmp_path):
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", GREENLETS, str(tmp_path / "store.db")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    # Before: 201 connections (one per greenlet, each an open file never closed).
    assert outcome == {"read_back": 200, "connections": 2}

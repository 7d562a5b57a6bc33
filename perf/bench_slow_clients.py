"""Benchmark: slow clients (slowloris) against the real service, production shape beside the old one.

Run: .venv/bin/python -m perf.bench_slow_clients [--clients 200] [--seconds 60] [--workers 2]
Starts `prguard serve` (gunicorn, no embedded worker) on 127.0.0.1, first with the production worker
class (app/gunicorn_conf.py: gevent with header and request deadlines), then with gunicorn's gthread
worker and 4 threads (the shape before issue 9) through GUNICORN_CMD_ARGS. Against each, ``--clients``
connections send a request one byte per second for ``--seconds`` (first their headers, then, in a
second run, the body after complete headers), reconnecting whenever the server closes them; meanwhile
a GET /healthz and a signed pull_request delivery are sent every second. Prints, per shape and mode,
how many probes were answered within 1 s, their median and worst times, and what the slow clients saw.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.support.service import running_service
from tests.support.slow_clients import SlowClients, describe, probe_while
from tests.support.webhooks import SECRET

SHAPES = {
    "production (gevent + deadlines)": {},
    "before (gthread, 4 threads)": {"GUNICORN_CMD_ARGS": "--worker-class gthread --threads 4"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only-production", action="store_true", help="skip the gthread comparison")
    args = parser.parse_args()
    shapes = dict(list(SHAPES.items())[:1]) if args.only_production else SHAPES
    print(f"{args.clients} slow clients, 1 byte/s for {args.seconds:g} s each run; gunicorn with "
          f"{args.workers} worker processes; probes every second (5 s timeout)")
    for shape, env in shapes.items():
        for mode in ("headers", "body"):
            with tempfile.TemporaryDirectory() as tmp:
                with running_service(Path(tmp), SECRET, workers=args.workers, extra_env=env) as (url, _):
                    with SlowClients(url, args.clients, args.seconds, mode=mode) as attack:
                        probes = probe_while(url, SECRET, args.seconds)
            statuses = sorted({p.status for p in probes if p.kind == "delivery" and p.status})
            print(f"{shape}, slow {mode}: {describe(probes)}; delivery statuses {statuses}")
            print(f"    slow clients: {attack.report.summary()}")


if __name__ == "__main__":
    main()

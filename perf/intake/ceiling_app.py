"""The intake benchmark's ceiling: a bare Flask app that only reads the body, served like PRGuard."""
from __future__ import annotations

from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks/github")
    def receive():
        request.get_data()  # read the whole body, as the receiver must before it can check the signature
        return {"outcome": "accepted"}, 202

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app

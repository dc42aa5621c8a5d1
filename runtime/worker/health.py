"""A tiny HTTP health endpoint for a worker process (``complaintflow worker --health-port``).

Load balancers and orchestrators probe ``GET /healthz``: 200 while the worker keeps sweeping,
503 when its last sweep is too old (stuck, or the database is unreachable). Standard library
only: the runtime has no web framework.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable


def serve_health(host: str, port: int, report: Callable[[], dict]) -> ThreadingHTTPServer:
    """Start answering on ``host:port`` in a daemon thread; call ``shutdown()`` on the result to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            if self.path.split("?")[0] != "/healthz":
                self._send(404, {"error": "not_found", "message": "only /healthz is served here"})
                return
            body = report()
            self._send(200 if body.get("status") == "ok" else 503, body)

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # probes every few seconds would flood the log
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="worker-health", daemon=True).start()
    return server

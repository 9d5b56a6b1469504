"""Stand-ins for the outside HTTP APIs the functions call, on one local server: the SMS
provider (Twilio's Messages API) under /twilio and Meta's Graph API under /meta. Each records
the requests it got, so the check can say a function really called out."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler

from . import local_http


class Stubs:
    def __init__(self):
        self.calls: list[tuple[str, str, str]] = []  # (service, method, path)
        self._lock = threading.Lock()
        self.server = local_http.start(self._handler())

    def url(self, service: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/{service}"

    def take(self) -> list[tuple[str, str, str]]:
        """The requests since the last take."""
        with self._lock:
            calls, self.calls = self.calls, []
        return calls

    def close(self):
        local_http.stop(self.server)

    def _handler(self):
        stubs = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service, _, rest = self.path.lstrip("/").partition("/")
                with stubs._lock:
                    stubs.calls.append((service, "POST", "/" + rest))
                if service == "twilio" and rest.endswith("/Messages.json"):
                    status, body = 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}
                elif service == "meta" and rest.endswith("/events"):
                    status, body = 200, {"events_received": 1, "fbtrace_id": "deploy-check"}
                else:
                    status, body = 404, {"message": f"the stub has no {self.path}"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

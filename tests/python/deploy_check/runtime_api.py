"""A local Lambda Runtime API (the documented HTTP protocol a custom runtime speaks), and a
function's artifact run under it as Lambda runs it: a fresh process of `bootstrap` with the
Lambda environment, fed events one at a time, then stopped.

    GET  /2018-06-01/runtime/invocation/next          -> the next event, with its headers
    POST /2018-06-01/runtime/invocation/{id}/response -> the function's answer
    POST /2018-06-01/runtime/invocation/{id}/error    -> its failure
    POST /2018-06-01/runtime/init/error               -> a failure before the first event
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from . import local_http

PREFIX = "/2018-06-01/runtime"
# Lambda's limit on a function's init phase.
INIT_TIMEOUT_S = 10.0


@dataclass
class Answer:
    """What the function posted for one event: "response" or "error", and the body."""

    kind: str
    body: bytes
    invoke_ms: float

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Run:
    """One process's life: its init, its answers (one per event fed), and what went wrong."""

    init_ms: float | None = None
    answers: list[Answer] = field(default_factory=list)
    failure: str | None = None
    log: str = ""


class RuntimeApi:
    """The Runtime API of one function process on 127.0.0.1 (a free port)."""

    def __init__(self, function_arn: str):
        self.function_arn = function_arn
        self._events: queue.Queue = queue.Queue()
        self._answers: queue.Queue = queue.Queue()
        self._sent: dict[str, float] = {}
        self.first_poll = threading.Event()
        self.first_poll_at: float | None = None
        self._closed = threading.Event()
        self.server = local_http.start(self._handler())

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def offer(self, payload: bytes, deadline_ms: int) -> str:
        request_id = str(uuid.uuid4())
        self._events.put((request_id, payload, deadline_ms))
        return request_id

    def answer(self, timeout: float) -> tuple[str, str | None, bytes, float]:
        """(kind, request id, body, received at); raises queue.Empty after `timeout`."""
        return self._answers.get(timeout=timeout)

    def sent_at(self, request_id: str) -> float | None:
        return self._sent.get(request_id)

    def close(self):
        self._closed.set()
        local_http.stop(self.server)

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the check prints its own lines
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                if not api.first_poll.is_set():
                    api.first_poll_at = time.monotonic()
                    api.first_poll.set()
                while not api._closed.is_set():
                    try:
                        request_id, payload, deadline_ms = api._events.get(timeout=0.2)
                        break
                    except queue.Empty:
                        continue
                else:
                    return
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0",
                }
                api._sent[request_id] = time.monotonic()
                self._reply(200, payload, headers)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts == ["init", "error"]:
                    api._answers.put(("init_error", None, body, now))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    api._answers.put((parts[2], parts[1], body, now))
                else:
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                self._reply(202, b'{"status":"OK"}')

        return Handler


def run(
    bootstrap: Path,
    env: dict[str, str],
    events: list[bytes],
    timeout_s: float,
    function_arn: str,
    log_path: Path,
) -> Run:
    """Starts `bootstrap` with `env` (plus AWS_LAMBDA_RUNTIME_API), feeds it `events` one by one
    (each within `timeout_s`, the function's Timeout), and stops it."""
    api = RuntimeApi(function_arn)
    result = Run()
    bootstrap = bootstrap.resolve()
    with open(log_path, "wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [str(bootstrap)],
            env={**env, "AWS_LAMBDA_RUNTIME_API": api.address},
            cwd=str(bootstrap.parent),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            result.failure = _await_init(api, process, started)
            if result.failure is None:
                result.init_ms = (api.first_poll_at - started) * 1000
                for payload in events:
                    failure = _invoke(api, process, payload, timeout_s, result)
                    if failure:
                        result.failure = failure
                        break
        finally:
            process.kill()
            process.wait()
            api.close()
    result.log = log_path.read_text(errors="replace")
    return result


def _await_init(api: RuntimeApi, process: subprocess.Popen, started: float) -> str | None:
    while not api.first_poll.wait(0.005):
        try:
            kind, _, body, _ = api.answer(timeout=0)
            return f"init error: {body.decode(errors='replace')}"
        except queue.Empty:
            pass
        if process.poll() is not None:
            return f"exited with {process.returncode} before asking for an event"
        if time.monotonic() - started > INIT_TIMEOUT_S:
            return f"no request for an event within {INIT_TIMEOUT_S:.0f} s (init timeout)"
    return None


def _invoke(api: RuntimeApi, process: subprocess.Popen, payload: bytes, timeout_s: float, result: Run) -> str | None:
    deadline = time.monotonic() + timeout_s
    request_id = api.offer(payload, int((time.time() + timeout_s) * 1000))
    while True:
        try:
            kind, answered_id, body, at = api.answer(timeout=0.005)
        except queue.Empty:
            if process.poll() is not None:
                return f"exited with {process.returncode} during the invocation"
            if time.monotonic() > deadline:
                return f"no answer within the function's timeout ({timeout_s:g} s)"
            continue
        if kind == "init_error":
            return f"init error: {body.decode(errors='replace')}"
        if answered_id != request_id:
            return f"answered request {answered_id}, not {request_id}"
        sent = api.sent_at(request_id) or at
        result.answers.append(Answer(kind, body, (at - sent) * 1000))
        return None

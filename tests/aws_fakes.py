"""A fake AWS endpoint on loopback: chosen operations get the exact error AWS would send, the rest go
through to the sandbox. Every process pointed at it (the CLI, a papermill kernel, batch's learners)
meets the same answers, as it would meet AWS's.

AWS's two error shapes, as botocore parses them:
- JSON services (Cognito): HTTP 400 with ``{"__type": "Code", "message": "..."}``;
- query services (IAM, STS): ``<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...``.
"""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

JSON_TYPE = "application/x-amz-json-1.1"
XML_TYPE = "text/xml"


def json_error(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode()


def query_error(code: str, message: str, kind: str = "Sender") -> bytes:
    return (f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>{kind}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>4f1a2b3c-0000-4000-8000-000000000000</RequestId></ErrorResponse>").encode()


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    times: int | None  # None: every time
    when: object = None  # a predicate on the request's parameters (query) or JSON body


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        if target:
            operation = target.rsplit(".", 1)[-1]
            params = json.loads(body or b"{}")
        else:
            params = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
            operation = params.get("Action", "")
        self.server.fake.seen.append(operation)
        answer = self.server.fake.take(operation, params)
        if answer is None:
            self._forward(body)
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("x-amzn-RequestId", "4f1a2b3c-0000-4000-8000-000000000000")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_GET(self):  # noqa: N802
        self._forward(b"")

    def _forward(self, body: bytes) -> None:
        upstream = urlsplit(self.server.fake.upstream)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        headers["Content-Length"] = str(len(body))
        connection.request(self.command, self.path, body=body, headers=headers)
        reply = connection.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        connection.close()

    def log_message(self, *_):
        pass


class FakeAws:
    """``FakeAws(sandbox_url)``: ``answer(operation, ...)`` arms an error; ``url`` is the endpoint."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.seen: list[str] = []
        self._answers: dict[str, list[Answer]] = {}
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, operation: str, status: int, body: bytes, content_type: str = JSON_TYPE, *,
               times: int | None = None, when=None) -> None:
        with self._lock:
            self._answers.setdefault(operation, []).append(Answer(status, body, content_type, times, when))

    def take(self, operation: str, params: dict) -> Answer | None:
        with self._lock:
            for answer in self._answers.get(operation, []):
                if answer.when is not None and not answer.when(params):
                    continue
                if answer.times is not None:
                    if answer.times == 0:
                        continue
                    answer.times -= 1
                return answer
        return None

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

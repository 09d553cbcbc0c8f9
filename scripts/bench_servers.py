"""Local servers for `make bench`: a counting proxy in front of moto_server, and TLS for the simulator.

The proxy is how the benchmark counts what the poller really sends: every request to "AWS" goes
through it, so requests, bytes, datums and TCP connections are counted at the server side, not
taken from the client's own report. It can also add latency to PutMetricData, or answer it
itself (`sink`), so the effect of sending batches concurrently is visible on loopback.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

PUT_METRIC_DATA = "PutMetricData"
GET_SECRET_VALUE = "GetSecretValue"


@dataclass
class Counts:
    """What the proxy saw, per AWS operation (the last part of X-Amz-Target)."""

    requests: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    wire_bytes: list[int] = field(default_factory=list)  # PutMetricData bodies as sent (gzip)
    json_bytes: list[int] = field(default_factory=list)  # the same, decompressed
    datums: list[int] = field(default_factory=list)  # MetricData entries per PutMetricData


class CountingProxy:
    """An HTTP/1.1 proxy on loopback that forwards to `upstream` and counts what passes.

    `put_delay` seconds are added to every PutMetricData answer; with `sink`, PutMetricData is
    answered here (200, as CloudWatch answers it) instead of being forwarded.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._lock = threading.Lock()
        self.counts = Counts()
        self.put_delay = 0.0
        self.sink = False
        self.count_datums = True
        self._local = threading.local()
        self._httpd = _ProxyServer(("127.0.0.1", 0), self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="bench-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> CountingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> Counts:
        """Start counting afresh; returns what was counted so far."""
        with self._lock:
            counts, self.counts = self.counts, Counts()
        return counts

    def snapshot(self) -> Counts:
        with self._lock:
            c = self.counts
            return Counts(Counter(c.requests), c.connections, list(c.wire_bytes), list(c.json_bytes), list(c.datums))

    # --- used by the handler threads ----------------------------------------------------------

    def _note_connection(self) -> None:
        with self._lock:
            self.counts.connections += 1

    def _note(self, operation: str, body: bytes, encoding: str | None) -> None:
        wire = plain = datums = None
        if operation == PUT_METRIC_DATA and self.count_datums:
            wire = len(body)
            raw = gzip.decompress(body) if encoding == "gzip" else body
            plain = len(raw)
            datums = len(json.loads(raw).get("MetricData", []))
        with self._lock:
            self.counts.requests[operation] += 1
            if wire is not None and plain is not None and datums is not None:
                self.counts.wire_bytes.append(wire)
                self.counts.json_bytes.append(plain)
                self.counts.datums.append(datums)

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, Any, bytes]:
        for attempt in (1, 2):  # the upstream may have closed an idle keep-alive connection
            conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(*self._upstream, timeout=60)
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body)
                response = conn.getresponse()
                return response.status, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], proxy: CountingProxy) -> None:
        self.proxy = proxy
        super().__init__(address, _ProxyHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        self.proxy._note_connection()
        super().process_request(request, client_address)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the client's
        # delayed ACK hold the body back 40 ms, and the proxy would measure itself.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        proxy: CountingProxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target") or ""
        operation = target.rsplit(".", 1)[-1] if target else self.command + " " + urlsplit(self.path).path
        proxy._note(operation, body, self.headers.get("Content-Encoding"))
        if operation == PUT_METRIC_DATA:
            if proxy.put_delay:
                time.sleep(proxy.put_delay)
            if proxy.sink:
                # CloudWatch's answer to a successful PutMetricData in the JSON protocol.
                self._reply(200, [("Content-Type", "application/x-amz-json-1.0")], b"{}")
                return
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")]
        status, response_headers, payload = proxy._forward(self.command, self.path, headers, body)
        kept = [
            (k, v)
            for k, v in response_headers
            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length")
        ]
        self._reply(status, kept, payload)

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

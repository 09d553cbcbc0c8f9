"""What the local fakes (PagerDuty, the OTLP receiver, the PromQL API) share: a threaded HTTP
server on loopback, a free port, served from a background thread, that counts its connections and
on stop cuts the ones still open (a fake asked to hang must not hold a test up). Standard library
only. The Symbee simulator (server.py) keeps its own: it also paces and drops connections."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

Handle = Callable[[BaseHTTPRequestHandler], None]  # answers one request; handler.command is its method


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        handle: Handle,
        *,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
        server_version: str = "SymbeeSimFake/1.0",
        idle_seconds: float | None = None,
    ) -> None:
        self.handle = handle
        self.idle_seconds = idle_seconds  # a connection silent this long is dropped (None: never)
        self.server_version = server_version
        self.lock = threading.Lock()
        self.connections = 0
        self.live: set[socket.socket] = set()
        self.stopping = threading.Event()
        super().__init__((host, 0), _Handler)
        self.scheme = "http"
        if ssl_context is not None:  # HTTPS, like the real endpoints (symbee_sim.tls makes a certificate)
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the port and cut every connection still open; idempotent."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()
        with self.lock:
            live = list(self.live)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    # --- socketserver hooks -----------------------------------------------------------------------

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections += 1
            self.live.add(request)
        if self.idle_seconds is not None:
            request.settimeout(self.idle_seconds)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.live.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that give up mid-answer are what the faults are for, not news."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def version_string(self) -> str:
        return self.server.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; request bodies (a routing key, a signature) are never logged

    def do_POST(self) -> None:
        self.server.handle(self)

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST


class Served:
    """start/stop and the context manager for a fake that serves with `self._httpd`."""

    _httpd: LoopbackServer

    def start(self) -> Self:
        self._httpd.start()
        return self

    def stop(self) -> None:
        self._httpd.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def respond(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """One complete answer: status, Content-Type, Content-Length, any other headers, the body."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def respond_json(
    handler: BaseHTTPRequestHandler, status: int, body: Any, headers: Mapping[str, str] | None = None
) -> None:
    respond(handler, status, json.dumps(body).encode(), "application/json", (headers or {}).items())

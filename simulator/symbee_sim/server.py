"""The Symbee Realtime Queue Statistics API, served on loopback for tests, demos and load runs.

Strict like a real service would be: only POST to the API path, JSON only, all five headers, the
tenant in the body must match them, and an unknown key gets 401. Faults (see faults.py) make it
misbehave on purpose. It never logs or echoes the API key.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import selectors
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, cast
from urllib.parse import urlsplit

from queue_stats.names import API_PATH, DEFAULT_PLATFORM_CODE

from .data import Record, generate_queues, vendor_example
from .faults import HTML_BODY, MALFORMED_BODY, Fault, FaultPlan, as_object, break_types, truncated

HEADER_PLATFORM: Final = "X-sc-platform-code"
HEADER_COMPANY: Final = "X-sc-company-code"
HEADER_ENVIRONMENT: Final = "X-sc-company-environment"
HEADER_SECRETS_REGION: Final = "X-sc-secrets-region"
HEADER_API_KEY: Final = "X-sc-company-api-key"
REQUIRED_HEADERS: Final = (
    HEADER_PLATFORM,
    HEADER_COMPANY,
    HEADER_ENVIRONMENT,
    HEADER_SECRETS_REGION,
    HEADER_API_KEY,
)
MAX_BODY_BYTES: Final = 1024 * 1024
# Oversized bodies up to this size are read and thrown away before the 413, so that the client
# reads the answer instead of a reset on a half-sent request. Larger ones just get the door shut.
_DRAIN_LIMIT: Final = 16 * 1024 * 1024
_DRIBBLE_STEPS: Final = 50
_IDLE_TIMEOUT_SECONDS: Final = 60.0
_ACCEPT_TIMEOUT_SECONDS: Final = 0.5  # bounds handle_request() if a ready connection vanished
_JSON: Final = "application/json"
_TENANT_FIELDS: Final = (
    ("platformCode", HEADER_PLATFORM),
    ("companyCode", HEADER_COMPANY),
    ("environment", HEADER_ENVIRONMENT),
)
_BODY_FIELDS: Final = frozenset({"tenant", "includeAmazonQueues", "queuesInterested"})
_MASK: Final = "***"


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request as the simulator saw it, with the status it answered (None: no answer).

    `headers` are as the client spelled them (use `header()` to look one up in any case); `body`
    is empty when it was refused unread (over 1 MiB, or chunked). Recorded before the answer is
    written, so a client holding its answer always finds the request here.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    fault: str | None = None  # the kind of fault applied to it, if any

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        # A failing assertion prints this; the key must not end up in test logs.
        shown = {k: (_MASK if k.lower() == HEADER_API_KEY.lower() else v) for k, v in self.headers.items()}
        return (
            f"ReceivedRequest(method={self.method!r}, path={self.path!r}, headers={shown!r}, "
            f"body={self.body[:200]!r}, status={self.status!r}, fault={self.fault!r})"
        )


@dataclass
class _Outcome:
    """What the simulator would answer to a request, before any fault is applied."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    records: list[Record] | None = None  # the queues served, for a 200
    close: bool = False


def _error(status: int, message: str, headers: Iterable[tuple[str, str]] = (), *, close: bool = False) -> _Outcome:
    body = json.dumps({"error": message}).encode()
    return _Outcome(status, body, [("Content-Type", _JSON), *headers], close=close)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class SimulatorServer:
    """A local Symbee API. Use as a context manager, or start() and stop().

    Serves `vendor_example()` when `queues` is None, else `generate_queues(queues, seed, clock())`.
    `requests` counts every HTTP request it parsed (any path, any outcome); `connections` every TCP
    connection it accepted. `rotate_key_after=N` switches the key to "<key>-rotated" once N
    requests have arrived (the Nth still uses the old key) and calls `on_key_rotated(new_key)`.
    """

    def __init__(
        self,
        *,
        api_key: str = "sim-api-key",
        company_code: str = "abc-gadgets",
        environment: str = "prod",
        platform_code: str = DEFAULT_PLATFORM_CODE,
        secrets_region: str | None = None,
        queues: int | None = None,
        seed: int = 1,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        body_override: bytes | None = None,
        verbose: bool = False,
        rotate_key_after: int | None = None,
        on_key_rotated: Callable[[str], None] | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        if queues is not None and queues < 0:
            raise ValueError(f"queues must be >= 0, got {queues}")
        if rotate_key_after is not None and rotate_key_after < 1:
            raise ValueError(f"rotate_key_after must be >= 1, got {rotate_key_after}")
        self._bind_host = _loopback(host)
        self._host = host
        self._requested_port = port
        self._api_key = api_key
        self.company_code = company_code
        self.environment = environment
        self.platform_code = platform_code
        self.secrets_region = secrets_region
        self.queues = queues
        self.seed = seed
        self.verbose = verbose
        self._clock = clock
        self._ssl_context = ssl_context
        self._body_override = body_override
        self._rotate_key_after = rotate_key_after
        self._on_key_rotated = on_key_rotated

        self._lock = threading.Lock()
        self._faults = FaultPlan()
        self._requests = 0
        self._lifetime_requests = 0  # never reset: rotate_key_after counts from start()
        self._connections = 0
        self._received: list[ReceivedRequest] = []
        self._cache: tuple[int, list[Record]] | None = None
        self._live: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._wake_reader: socket.socket
        self._wake_writer: socket.socket

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> SimulatorServer:
        """Bind and serve in a background thread; returns self."""
        if self._httpd is not None or self._stopping.is_set():
            raise RuntimeError("the simulator was already started; make a new one")
        httpd = _HTTPServer((self._bind_host, self._requested_port), self)
        httpd.timeout = _ACCEPT_TIMEOUT_SECONDS
        self._httpd = httpd
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name=f"symbee-sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # Not serve_forever(): it polls for shutdown every poll_interval, which makes every stop()
        # (and so every test) wait. Here a byte on the wake socket ends the loop at once.
        httpd = cast(_HTTPServer, self._httpd)
        with selectors.DefaultSelector() as selector:
            selector.register(httpd, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is httpd and not self._stopping.is_set():
                        httpd.handle_request()  # accepts the waiting connection, starts its thread

    def stop(self) -> None:
        """Stop serving and cut every open connection; returns promptly even with hanging handlers."""
        httpd = self._httpd
        if httpd is None or self._stopping.is_set():
            return
        self._stopping.set()  # also wakes handlers sleeping for slow, hang and dribble faults
        self._wake_writer.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        httpd.server_close()
        self._wake_reader.close()
        self._wake_writer.close()
        with self._lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):  # already closed by its own handler
                sock.shutdown(socket.SHUT_RDWR)

    # --- what callers read ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the simulator is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context is not None else "http"
        return f"{scheme}://{self._host}:{self.port}{API_PATH}"

    @property
    def api_key(self) -> str:
        with self._lock:
            return self._api_key

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._received)

    def rotate_key(self, new_key: str) -> None:
        """From now on only `new_key` is accepted; the old one gets 401."""
        if not new_key:
            raise ValueError("new_key must not be empty")
        with self._lock:
            self._api_key = new_key

    def add_fault(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self._requests = 0
            self._connections = 0
            self._received.clear()

    def records(self) -> list[Record]:
        """Every queue the simulator would serve right now (before the request's filters)."""
        if self.queues is None:
            return vendor_example()
        minute = int(self._clock() // 60)
        with self._lock:
            cached = self._cache
        if cached is not None and cached[0] == minute:
            return list(cached[1])
        generated = generate_queues(self.queues, seed=self.seed, now=self._clock())
        with self._lock:
            self._cache = (minute, generated)
        return list(generated)

    # --- used by the handler --------------------------------------------------------------------

    def _note_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def _note_request(self) -> str:
        """Count a request; return the key it must carry (rotating afterwards when scheduled)."""
        rotated: str | None = None
        with self._lock:
            self._requests += 1
            self._lifetime_requests += 1
            key = self._api_key
            if self._rotate_key_after is not None and self._lifetime_requests == self._rotate_key_after:
                rotated = self._api_key = f"{key}-rotated"
        if rotated is not None and self._on_key_rotated is not None:
            self._on_key_rotated(rotated)
        return key

    def _sleep_until(self, deadline: float) -> bool:
        """Sleep until time.monotonic() reaches `deadline`; True if stop() cut the sleep short."""
        # Event.wait may return a hair early; looping makes `deadline` a true lower bound.
        while (remaining := deadline - time.monotonic()) > 0:
            if self._stopping.wait(remaining):
                return True
        return self._stopping.is_set()

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._received.append(request)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._live.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._live.discard(sock)

    def _answer(self, method: str, path: str, headers: Message, body: bytes, key: str) -> _Outcome:
        """The normal answer to a fully read request: the strict checks in order, then the queues."""
        if path != API_PATH:
            return _error(404, "not found: the API path is " + API_PATH)
        if method != "POST":
            return _error(405, "method not allowed: use POST", [("Allow", "POST")])
        media_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media_type != _JSON:
            return _error(415, "Content-Type must be application/json")
        for name in REQUIRED_HEADERS:
            if not (headers.get(name) or "").strip():
                return _error(400, f"missing header {name}")
        for value, name in (
            (self.platform_code, HEADER_PLATFORM),
            (self.company_code, HEADER_COMPANY),
            (self.environment, HEADER_ENVIRONMENT),
        ):
            if headers.get(name) != value:
                return _error(403, f"{name} does not match this environment")
        if self.secrets_region is not None and headers.get(HEADER_SECRETS_REGION) != self.secrets_region:
            return _error(403, f"{HEADER_SECRETS_REGION} does not name the region of this company's key")
        sent_key = str(headers.get(HEADER_API_KEY))
        if not hmac.compare_digest(sent_key.encode(), key.encode()):
            return _error(401, f"{HEADER_API_KEY} was not accepted")

        try:
            request = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            return _error(400, "the body is not valid UTF-8 JSON")
        problem = self._body_problem(request, headers)
        if problem:
            return _error(400, problem)

        records = self.records()
        if request["includeAmazonQueues"] is False:
            records = [r for r in records if r["queueInfo"]["deliveryProvider"] != "AMAZON"]
        if "queuesInterested" in request:
            wanted = {item["queueId"] for item in request["queuesInterested"]}
            records = [r for r in records if r["queueInfo"]["queueId"] in wanted]
        payload = self._body_override if self._body_override is not None else json.dumps(records).encode()
        return _Outcome(200, payload, [("Content-Type", _JSON)], records=records)

    @staticmethod
    def _body_problem(request: Any, headers: Message) -> str | None:
        """Why the parsed body is not a valid request, or None. Messages never quote the request."""
        if not isinstance(request, dict):
            return "the body must be a JSON object"
        if set(request) - _BODY_FIELDS:
            return "the body has an unknown property; allowed: " + ", ".join(sorted(_BODY_FIELDS))
        tenant = request.get("tenant")
        if not isinstance(tenant, dict):
            return "tenant must be an object with platformCode, companyCode and environment"
        if set(tenant) != {name for name, _ in _TENANT_FIELDS}:
            return "tenant must have exactly platformCode, companyCode and environment"
        for name, header in _TENANT_FIELDS:
            if not isinstance(tenant[name], str):
                return f"tenant.{name} must be a string"
            if tenant[name] != headers.get(header):
                return f"tenant.{name} does not match the {header} header"
        if not isinstance(request.get("includeAmazonQueues"), bool):
            return "includeAmazonQueues must be true or false"
        if "queuesInterested" in request:
            interested = request["queuesInterested"]
            if not isinstance(interested, list) or not interested:
                return "queuesInterested must be a non-empty list (leave it out for every queue)"
            for position, item in enumerate(interested):
                if not (
                    isinstance(item, dict)
                    and set(item) == {"queueId"}
                    and isinstance(item["queueId"], str)
                    and item["queueId"]
                ):
                    return f'queuesInterested[{position}] must be {{"queueId": "<queue id or ARN>"}}'
        return None


def _loopback(host: str) -> str:
    """The IPv4 loopback address to bind for `host`; anything off this machine is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(f"the simulator binds to IPv4 loopback only (127.0.0.1), not {host!r}")
    return host


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sim: SimulatorServer) -> None:
        self.sim = sim
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        self.sim._note_connection()
        # Without it, Nagle's algorithm holds small answers back ~40 ms: a latency the real
        # service does not have, which would distort every timing taken against the simulator.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        conn: socket.socket = request
        conn.settimeout(_IDLE_TIMEOUT_SECONDS)
        self.sim._track(conn)
        try:
            context = self.sim._ssl_context
            if context is not None:
                # The TLS handshake runs here, in the connection's own thread, so one slow client
                # cannot stall the accept loop. wrap_socket detaches `request`; track the new one.
                self.sim._untrack(conn)
                conn = context.wrap_socket(conn, server_side=True)
                self.sim._track(conn)
            _Handler(conn, client_address, self)
        finally:
            self.sim._untrack(conn)
            if conn is not request:
                conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out, reset or fail the TLS handshake are part of the job, not news.
        if self.sim.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse a connection
    server_version = "SymbeeSim/1.0"

    def version_string(self) -> str:
        return self.server_version

    @property
    def sim(self) -> SimulatorServer:
        return cast(_HTTPServer, self.server).sim

    def log_message(self, format: str, *args: Any) -> None:
        # The default line holds the request line only (never headers), so verbose cannot leak the key.
        if self.sim.verbose:
            super().log_message(format, *args)

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_POST

    # --- one request ----------------------------------------------------------------------------

    def _handle(self) -> None:
        sim = self.sim
        key = sim._note_request()
        path = urlsplit(self.path).path
        body, early = self._read_body()
        fault = sim._faults.take() if path == API_PATH else None
        outcome = early or sim._answer(self.command, path, self.headers, body, key)

        def record(status: int | None) -> None:
            # Recorded before the answer is written, so a client that has its answer sees the record.
            sim._record(
                ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                    status=status,
                    fault=fault.kind if fault else None,
                )
            )

        if fault is None:
            record(outcome.status)
            self._send(outcome)
            return
        kind = fault.kind
        if kind in ("hang", "reset"):
            record(None)
            if kind == "hang":
                sim._sleep_until(time.monotonic() + fault.hang_seconds)
                self.close_connection = True
            else:
                self._reset()
            return
        if kind == "slow":
            if sim._sleep_until(time.monotonic() + fault.delay):
                record(None)
                self.close_connection = True
                return
            record(outcome.status)
            self._send(outcome)
            return
        if kind == "dribble":
            record(outcome.status)
            self._dribble(outcome, fault.delay)
            return
        replaced = self._faulty_outcome(fault, outcome)
        record(replaced.status)
        self._send(replaced)

    def _read_body(self) -> tuple[bytes, _Outcome | None]:
        """Read the whole body so the connection stays usable; or an early answer and a closed one."""
        if self.headers.get("Transfer-Encoding"):
            # This server does not decode chunked bodies; the unread body makes the connection unusable.
            return b"", _error(411, "send the body with a Content-Length", close=True)
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            if self.command == "POST":
                return b"", _error(411, "send the body with a Content-Length")
            return b"", None
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            return b"", _error(400, "invalid Content-Length", close=True)
        if length > _DRAIN_LIMIT:
            return b"", _error(413, f"the body is over {MAX_BODY_BYTES} bytes", close=True)
        if length > MAX_BODY_BYTES:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
            return b"", _error(413, f"the body is over {MAX_BODY_BYTES} bytes", close=True)
        return self.rfile.read(length), None

    def _faulty_outcome(self, fault: Fault, outcome: _Outcome) -> _Outcome:
        """The answer a body, status or redirect fault sends instead of `outcome`."""
        kind = fault.kind
        if kind == "status":
            extra = [("Retry-After", fault.retry_after)] if fault.retry_after is not None else []
            return _error(fault.status, f"simulated fault: HTTP {fault.status}", extra)
        if kind == "redirect":
            location = cast(str, fault.location)  # Fault() refuses a redirect without one
            return _error(fault.redirect_status, "moved", [("Location", location)])
        # Broken bodies are built from the queues this request would get (all of them when it was invalid).
        records = outcome.records if outcome.records is not None else self.sim.records()
        json_type = [("Content-Type", _JSON)]
        bodies: dict[str, tuple[bytes, list[tuple[str, str]]]] = {
            "malformed": (MALFORMED_BODY, json_type),
            "truncated": (truncated(json.dumps(records).encode()), json_type),
            "html": (HTML_BODY, [("Content-Type", "text/html; charset=utf-8")]),
            "empty": (b"", json_type),
            "null": (b"null", json_type),
            "object": (as_object(records), json_type),
            "wrong_types": (json.dumps(break_types(records)).encode(), json_type),
        }
        body, headers = bodies[kind]
        return _Outcome(200, body, headers)

    def _send(self, outcome: _Outcome) -> None:
        self._send_head(outcome)
        if self.command != "HEAD":
            self.wfile.write(outcome.body)

    def _send_head(self, outcome: _Outcome) -> None:
        self.send_response(outcome.status)
        for name, value in outcome.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        if outcome.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _dribble(self, outcome: _Outcome, seconds: float) -> None:
        """Headers now; the body in small pieces spread over `seconds` (a slow-loris server)."""
        self._send_head(outcome)
        self.wfile.flush()
        body = outcome.body if self.command != "HEAD" else b""
        size = max(1, -(-len(body) // _DRIBBLE_STEPS))
        pieces = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
        started = time.monotonic()
        for number, piece in enumerate(pieces, start=1):
            # Deadlines rather than equal sleeps: the last piece leaves no earlier than `seconds`.
            if self.sim._sleep_until(started + seconds * number / len(pieces)):
                self.close_connection = True
                return
            self.wfile.write(piece)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no answer at all."""
        # SO_LINGER with a zero timeout makes close() send RST instead of the usual FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()  # the makefile() reference would otherwise keep the socket open
        self.connection.close()

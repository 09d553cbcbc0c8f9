"""Wall-clock limits for network calls, for the Symbee API (requests) and AWS (botocore) alike.

A socket timeout bounds each wait for data, not a whole answer: a server that trickles its answer
a byte at a time holds a call for as long as it keeps trickling. A `Watchdog` cuts the connections
of a call still running at its deadline. `call_within` runs one AWS SDK call (its retries and
backoff included) so that the caller has its answer, or `TimeUp`, by the deadline, and the SDK
sends nothing more for that call afterwards.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from botocore.awsrequest import (
    AWSHTTPConnection,
    AWSHTTPConnectionPool,
    AWSHTTPSConnection,
    AWSHTTPSConnectionPool,
)
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager

logger = logging.getLogger(__name__)

# An AWS attempt (the first or a retry) is not started with less time left than this: a healthy
# PutMetricData or GetSecretValue takes tens of milliseconds, and one that cannot finish would
# only be cut, possibly after its data landed.
MIN_AWS_ATTEMPT_SECONDS = 0.1

# The name of the worker thread of a bounded call, so tests can wait for abandoned calls to end.
CALL_THREAD_NAME = "deadline-call"

T = TypeVar("T")


class TimeUp(Exception):
    """A call did not finish by its deadline (or was not started: no time was left)."""


class Watchdog:
    """Cuts the connections of the network calls made inside its `with` block, in this thread,
    when it fires: `seconds` after it was made, or when `fire()` is called (`timer=False`).
    A connection opened after it fired is cut as soon as it connects."""

    def __init__(self, seconds: float, *, timer: bool = True) -> None:
        self.deadline = time.monotonic() + seconds
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._fired = threading.Event()
        self._timer: threading.Timer | None = None
        if timer and math.isfinite(seconds):
            self._timer = threading.Timer(max(0.0, seconds), self.fire)
            self._timer.daemon = True
        self._token: contextvars.Token[Watchdog | None] | None = None

    @property
    def fired(self) -> bool:
        return self._fired.is_set()

    def __enter__(self) -> Watchdog:
        self._token = _current.set(self)
        if self._timer is not None:
            self._timer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._token is not None:
            _current.reset(self._token)

    def fire(self) -> None:
        with self._lock:
            self._fired.set()
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)

    def track(self, connection: HTTPConnection) -> None:
        with self._lock:
            if connection not in self._connections:
                self._connections.append(connection)
            fired = self.fired
        if fired:
            _cut(connection)


# The watchdog of the call running in this context, if any.
_current: contextvars.ContextVar[Watchdog | None] = contextvars.ContextVar("queue_stats_watchdog", default=None)


def _cut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        # The plain socket's shutdown, also under TLS: it wakes a blocked reader with EOF.
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _track(connection: Any) -> None:
    watchdog = _current.get()
    if watchdog is not None:
        watchdog.track(connection)


# --- connections the watchdog can find: urllib3's (requests) and botocore's ------------------------
# Tracked when they connect (botocore and urllib3 connect HTTPS before the request) and when a
# request starts on them (a kept-alive connection, or plain HTTP, which connects inside it).


class _Tracked:
    """Mixed into a connection class: its connections are tracked by the running call's watchdog."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _track(self)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        _track(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Tracked, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _WatchedAWSHTTPConnection(_Tracked, AWSHTTPConnection):  # type: ignore[misc]
    pass


class _WatchedAWSHTTPSConnection(_Tracked, AWSHTTPSConnection):  # type: ignore[misc]
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAWSHTTPPool(AWSHTTPConnectionPool):  # type: ignore[misc]
    ConnectionCls = _WatchedAWSHTTPConnection


class _WatchedAWSHTTPSPool(AWSHTTPSConnectionPool):  # type: ignore[misc]
    ConnectionCls = _WatchedAWSHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
_WATCHED_AWS_POOLS: dict[str, Any] = {"http": _WatchedAWSHTTPPool, "https": _WatchedAWSHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections a watchdog can find and cut."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) in (PoolManager, ProxyManager):  # not SOCKS: its pools are its own
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


def watch_client(client: Any) -> Any:
    """Makes a boto3 client's calls under `call_within` stoppable at their deadline: its
    connections can be cut, and no attempt (first or retry) starts once the deadline is near.

    botocore offers no setting for its connection classes: its HTTP session keeps them in one
    dict, shared by its pool manager and the proxy managers it makes later (botocore 1.44)."""
    client.meta.events.register("before-send", _refuse_late_attempt, unique_id="queue-stats-deadline")
    pools = getattr(getattr(getattr(client, "_endpoint", None), "http_session", None), "_pool_classes_by_scheme", None)
    if isinstance(pools, dict):
        pools.update(_WATCHED_AWS_POOLS)
    else:
        logger.warning("botocore's connection pools were not found: a late AWS call is abandoned, not cut")
    return client


def _refuse_late_attempt(**_: Any) -> None:
    """botocore's before-send hook. An exception here is not one botocore retries: it ends the call."""
    watchdog = _current.get()
    if watchdog is None:
        return
    if watchdog.fired:
        raise TimeUp("not sent: the time was up")
    left = watchdog.deadline - time.monotonic()
    if left < MIN_AWS_ATTEMPT_SECONDS:
        raise TimeUp(f"not sent: {max(left, 0.0):.2f} s left, too little for another attempt")


def call_within(call: Callable[[], T], deadline: float) -> T:
    """`call()`'s result or exception by `deadline` (a time.monotonic() instant), else TimeUp.

    The call runs in a worker thread under a watchdog. At the deadline the caller stops waiting and
    the watchdog cuts the call's connections; for a client passed through `watch_client`, the SDK
    then starts no retry either, so the worker ends without sending anything more."""
    if not math.isfinite(deadline):
        return call()
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeUp("not sent: the time was up")
    watchdog = Watchdog(left, timer=False)
    finished = threading.Event()
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        with watchdog:
            try:
                results.append(call())
            except BaseException as error:  # handed to the caller, who raises it
                errors.append(error)
        finished.set()

    context = contextvars.copy_context()  # the caller's log context, for the SDK's own lines
    threading.Thread(target=context.run, args=(run,), name=CALL_THREAD_NAME, daemon=True).start()
    if not finished.wait(left):
        watchdog.fire()
        raise TimeUp(f"not finished within its {left:.1f} s budget; the connection was cut")
    if errors:
        raise errors[0]
    return results[0]

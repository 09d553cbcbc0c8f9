"""`make bench`: how close the poller runs to its floor (issue 5). Prints one table.

The floor is one HTTPS round trip to Symbee, reading its JSON, and the fewest PutMetricData
requests that carry the datums. Everything is measured with the real code over real HTTP on
loopback: the Symbee simulator (TLS) as the API, moto_server as Secrets Manager and CloudWatch
behind a counting proxy (scripts/bench_servers.py), the real `lambda_handler`. Each figure is the
median of repeated runs with its interquartile range; each ratio is taken pairwise in the same
run. This is a measurement, not a test: it never fails on a missed target, it says so.

    python scripts/bench.py               # the table (what `make bench` runs)
    python scripts/bench.py --imports     # plus what the handler's imports add beyond boto3 + requests
    python scripts/bench.py --quick       # tiny sizes, one run: proves the script works (the smoke test)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_SRC = ROOT / "lambda_src"
sys.path.insert(0, str(LAMBDA_SRC))
sys.path.insert(0, str(ROOT / "simulator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))  # infra/, for the asset build (infra/wheels.py imports no CDK)

import boto3  # noqa: E402
import msgspec  # noqa: E402
import requests  # noqa: E402
from bench_servers import GET_SECRET_VALUE, PUT_METRIC_DATA, CountingProxy  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

from queue_stats import cloudwatch, model, runtime  # noqa: E402
from queue_stats import names as n  # noqa: E402
from queue_stats.cloudwatch import CloudWatchPublisher  # noqa: E402
from queue_stats.metrics import MAX_DATUMS_PER_REQUEST, Datum, batch_datums, health_datums, queue_datums  # noqa: E402
from queue_stats.model import ParsedResponse, parse_body  # noqa: E402
from queue_stats.publish import Health  # noqa: E402
from queue_stats.settings import Settings  # noqa: E402
from queue_stats.symbee_api import request_body, request_headers  # noqa: E402
from symbee_sim import SimulatorServer, generate_queues  # noqa: E402
from symbee_sim.local_aws import LocalLambdaContext, MotoServer  # noqa: E402
from symbee_sim.tls import self_signed_certificate, server_context  # noqa: E402

API_KEY = "bench-api-key-0123456789abcdef"
COMPANY, ENVIRONMENT = "abc-gadgets", "prod"
SEED = 1


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full benchmark, or the smoke test's tiny version."""

    repeat: int
    processing_sizes: tuple[int, ...]
    e2e_sizes: tuple[int, ...]
    concurrency_queues: int
    put_delay: float
    large_sizes: tuple[int, ...]  # the first is also the memory figure's
    memory_runs: int
    cold_start_pairs: int

    @classmethod
    def full(cls, repeat: int) -> Plan:
        return cls(
            repeat=repeat,
            processing_sizes=(10, 100, 1_000, 10_000),
            e2e_sizes=(100, 1_000),
            concurrency_queues=2_000,  # ~23,000 datums: 23 PutMetricData requests
            put_delay=0.1,
            large_sizes=(10_000, 25_000, 50_000),
            memory_runs=3,
            cold_start_pairs=15,
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            repeat=1,
            processing_sizes=(10, 1_000),  # 1,000: the first size with the target and its floors
            e2e_sizes=(10, 50),
            concurrency_queues=200,
            put_delay=0.02,
            large_sizes=(200, 500),
            memory_runs=1,
            cold_start_pairs=1,
        )


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    area: str
    figure: str
    median: str
    spread: str
    target: str
    verdict: str


@dataclass(frozen=True)
class Summary:
    """The median and interquartile range of repeated measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if len(values) == 1:
            return cls(values[0], values[0], values[0])
        q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(q2, q1, q3)

    def fmt(self, unit: str = "", digits: int = 1) -> tuple[str, str]:
        """(median, spread) as text; the spread is the interquartile range."""
        median = f"{self.median:,.{digits}f}{unit}"
        if self.low == self.high:
            return median, "-"
        return median, f"{self.low:,.{digits}f}-{self.high:,.{digits}f}{unit}"


def render(rows: Sequence[Row]) -> str:
    """A Markdown table: readable in a terminal and pasted as is into the README's Performance section."""
    header = Row("area", "figure", "median", "spread (IQR)", "target / floor", "verdict")
    cells = [[r.area, r.figure, r.median, r.spread, r.target, r.verdict] for r in (header, *rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(6)]
    right = {2, 3}  # numbers line up on the right

    def line(row: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def verdict(met: bool, missed: str) -> str:
    return "met" if met else f"MISSED: {missed}"


# --- helpers ---------------------------------------------------------------------------------------


def timed(action: Callable[[], object], loops: int = 1) -> float:
    """Seconds per call of `action`, after a collection so that earlier garbage is not billed here."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(loops):
        action()
    return (time.perf_counter() - started) / loops


def simulator_body(queues: int) -> bytes:
    """Exactly what the simulator serves for `queues` generated queues."""
    return json.dumps(generate_queues(queues, seed=SEED, now=time.time())).encode()


class _Discard(io.TextIOBase):
    """A stream that drops what it is given."""

    def write(self, text: str) -> int:
        return len(text)


def quiet_handler() -> Any:
    """The real handler module, its JSON log lines dropped (the cost of writing them stays in)."""
    import queue_stats.handler as lambda_module

    lambda_module.logger.registered_handler.setStream(_Discard())
    return lambda_module


def shipped_publisher(settings: Settings) -> CloudWatchPublisher:
    """The CloudWatch publisher exactly as a container builds it (client config, pool size)."""
    publisher = runtime.Runtime.create(settings).publisher
    assert isinstance(publisher, CloudWatchPublisher)
    return publisher


def stubbed(publisher: CloudWatchPublisher) -> Any:
    """The publisher's own boto3 client, its PutMetricData kept in the process: validation,
    serialization, gzip and signing all run, then a canned 200 answers instead of the network."""

    class _Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b"{}"

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Raw())

    client = publisher._client  # the benchmark reaches in on purpose: the client as configured
    client.meta.events.register(f"before-send.cloudwatch.{PUT_METRIC_DATA}", answer)
    return client


def configured_timeout_s() -> int:
    """The function's timeout as infra/ configures it (read, not imported)."""
    found = re.search(
        r"^TIMEOUT\b.*?Duration\.seconds\((\d+)\)", (ROOT / "infra" / "poller.py").read_text(), re.MULTILINE
    )
    return int(found.group(1)) if found else 30


def configured_memory_mb() -> int:
    """The function's memory as infra/ configures it (read, not imported: infra needs aws_cdk)."""
    for path in (ROOT / "infra").glob("*.py"):
        found = re.search(r"^MEMORY_MB\b.*?=\s*(\d+)", path.read_text(), re.MULTILINE)
        if found:
            return int(found.group(1))
    return 256


# --- the local world -------------------------------------------------------------------------------


class World:
    """moto_server behind the counting proxy, one TLS simulator per queue count, env for the poller."""

    def __init__(self, stack: contextlib.ExitStack, sizes: Sequence[int]) -> None:
        self.moto = stack.enter_context(MotoServer())
        self.proxy = CountingProxy(self.moto.url).start()
        stack.callback(self.proxy.stop)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-tls-")))
        cert, key = self_signed_certificate(folder)
        context = server_context(cert, key)
        self.simulators = {
            size: stack.enter_context(
                SimulatorServer(
                    api_key=API_KEY,
                    company_code=COMPANY,
                    environment=ENVIRONMENT,
                    queues=size,
                    seed=SEED,
                    ssl_context=context,
                )
            )
            for size in sorted(set(sizes))
        }
        self.env = {
            **self.moto.env(),
            "AWS_ENDPOINT_URL": self.proxy.url,  # every AWS call of the poller is counted
            "REQUESTS_CA_BUNDLE": str(cert),  # the poller trusts the simulator's certificate
            n.ENV_COMPANY_CODE: COMPANY,
            n.ENV_ENVIRONMENT: ENVIRONMENT,
        }
        os.environ.update(self.env)
        self.store_key()

    def store_key(self) -> None:
        secrets = boto3.client("secretsmanager", endpoint_url=self.moto.url)
        secrets.create_secret(Name=n.DEFAULT_API_KEY_SECRET_ID, SecretString=API_KEY)

    def reset_aws(self) -> None:
        """A fresh moto (its metric store grows with every poll), the key stored again."""
        self.moto.reset()
        self.store_key()

    def use(self, queues: int) -> SimulatorServer:
        simulator = self.simulators[queues]
        os.environ[n.ENV_API_URL] = simulator.url
        return simulator

    def settings(self) -> Settings:
        return Settings.from_env(os.environ)


# --- the naive poller: the foil for "side by side" ----------------------------------------------------


class NaivePoller:
    """A first version without the optimisations, for the side-by-side rows. Same parsing,
    validation and datums; differs in four ways: the key is read from Secrets Manager every poll
    (no cache), the API call makes a new connection each time (requests.post: no session), each
    queue's datums go in their own PutMetricData request, one after another, and its CloudWatch
    client keeps boto3's defaults (botocore validates every datum again). Its boto3 clients are
    made once per container, as any Lambda would."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secrets = boto3.client("secretsmanager", region_name=settings.secrets_region)
        self.cloudwatch = boto3.client("cloudwatch")

    def poll(self) -> int:
        s = self.settings
        key = self.secrets.get_secret_value(SecretId=s.api_key_secret_id)["SecretString"]
        started = time.monotonic()
        response = requests.post(s.api_url, data=request_body(s), headers=request_headers(s, key), timeout=(3.05, 10))
        response.raise_for_status()
        latency_ms = (time.monotonic() - started) * 1000
        parsed = parse_body(response.content)
        timestamp = datetime.now(UTC)
        for queue in parsed.queues:
            datums = queue_datums([queue], environment=s.environment, timestamp=timestamp)
            self.cloudwatch.put_metric_data(Namespace=s.namespace, MetricData=datums)
        health = health_datums(
            environment=s.environment,
            timestamp=timestamp,
            health=Health(
                succeeded=True,
                api_latency_ms=latency_ms,
                queues_reported=len(parsed.queues),
                invalid_records=len(parsed.problems),
            ),
        )
        self.cloudwatch.put_metric_data(Namespace=s.namespace, MetricData=health)
        return len(parsed.queues)


# --- the sections ------------------------------------------------------------------------------------


def pipeline(body: bytes, timestamp: datetime) -> list[list[Datum]]:
    """What the poll does between the API's body and boto3: parse, validate, map, batch."""
    parsed = parse_body(body)
    datums = queue_datums(parsed.queues, environment=ENVIRONMENT, timestamp=timestamp)
    datums += health_datums(
        environment=ENVIRONMENT,
        timestamp=timestamp,
        health=Health(
            succeeded=True,
            api_latency_ms=12.5,
            queues_reported=len(parsed.queues),
            invalid_records=len(parsed.problems),
        ),
    )
    return batch_datums(datums)


_FIELDS = tuple(m.field for m in n.COUNT_METRICS)


def bare_datums(body: bytes, timestamp: datetime) -> list[Datum]:
    """The floor of this stage: decode, and build the dicts boto3 takes, trusting every value."""
    datums: list[Datum] = []
    for record in json.loads(body):
        info = record["queueInfo"]
        dimensions = [
            {"Name": n.DIM_ENVIRONMENT, "Value": ENVIRONMENT},
            {"Name": n.DIM_QUEUE_ID, "Value": info["queueId"]},
            {"Name": n.DIM_QUEUE_NAME, "Value": info["queueName"]},
        ]
        for name in _FIELDS:
            datums.append(
                {
                    "MetricName": name,
                    "Dimensions": dimensions,
                    "Timestamp": timestamp,
                    "Value": record[name],
                    "Unit": "Count",
                }
            )
    return datums


def send_all(client: Any, batches: list[list[Datum]]) -> None:
    for batch in batches:
        client.put_metric_data(Namespace=n.DEFAULT_NAMESPACE, MetricData=batch)


def cpu_timed(action: Callable[[], object], loops: int = 1) -> float:
    """CPU seconds of this thread per call of `action`: on a shared machine, time spent waiting
    for a core is not the code's (wall-clock figures elsewhere in the table keep it)."""
    gc.collect()
    started = time.thread_time()
    for _ in range(loops):
        action()
    return (time.thread_time() - started) / loops


def map_and_batch(parsed: ParsedResponse, timestamp: datetime) -> list[list[Datum]]:
    """The stages after parsing: datums for the queues and the health, in batches."""
    datums = queue_datums(parsed.queues, environment=ENVIRONMENT, timestamp=timestamp)
    datums += health_datums(environment=ENVIRONMENT, timestamp=timestamp, health=Health(succeeded=True))
    return batch_datums(datums)


# The processing rows, each a ratio to json.loads of the same body: the pipeline, then the floors
# that bound it (what decoding alone costs, what building boto3's dicts alone costs).
_STAGES: dict[str, str] = {
    "work": "parse+validate+map+batch",
    "parse": "  of which parse+validate: parse_body, the typed fast path",
    "rest": "  of which map+batch: queue_datums + batch_datums",
    "general": "  parse+validate by the general path (json + field-by-field checks; any odd value)",
    "any": "  floor: msgspec decode to dicts and lists, nothing checked",
    "typed": "  floor: msgspec decode to typed records, types and ranges checked",
    "bare": "  floor: json.loads + bare datum dicts, no validation or batching",
}


def processing(world: World, plan: Plan) -> list[Row]:
    rows: list[Row] = []
    client = stubbed(shipped_publisher(world.settings()))
    timestamp = datetime.now(UTC)
    for size in plan.processing_sizes:
        body = simulator_body(size)
        loops = max(1, 2_000 // size)  # small bodies are timed over several calls
        batches = pipeline(body, timestamp)
        parsed = parse_body(body)
        datums = sum(len(b) for b in batches)
        send_all(client, batches)  # botocore builds some caches on a first call: not measured
        gated = size >= 1_000
        actions: dict[str, Callable[[], object]] = {
            "json": lambda b=body: json.loads(b),
            "work": lambda b=body: pipeline(b, timestamp),
        }
        if gated:
            actions |= {
                "parse": lambda b=body: parse_body(b),
                "rest": lambda p=parsed: map_and_batch(p, timestamp),
                "general": lambda b=body: model._parse_general(b),
                "any": lambda b=body: msgspec.json.decode(b),
                "typed": lambda b=body: model._DECODER.decode(b),
                "bare": lambda b=body: bare_datums(b, timestamp),
            }
        t: dict[str, list[float]] = {k: [] for k in (*actions, "encode")}
        for _ in range(plan.repeat):
            for key, action in actions.items():
                t[key].append(cpu_timed(action, loops))
            t["encode"].append(cpu_timed(lambda bs=batches: send_all(client, bs), max(1, loops // 10)))

        def ratio(key: str, t: dict[str, list[float]] = t) -> Summary:
            return Summary.of([x / f for x, f in zip(t[key], t["json"], strict=True)])

        def ms(key: str, t: dict[str, list[float]] = t) -> float:
            return statistics.median(t[key]) * 1000

        work = ratio("work")
        rows.append(
            Row(
                "processing",
                f"{size:,} queues: {_STAGES['work']} ({ms('work'):,.2f} ms) / json.loads ({ms('json'):,.2f} ms), CPU",
                *work.fmt("x"),
                "<= 3x" if gated else "(<= 3x from 1,000)",
                verdict(work.median <= 3, f"{work.median / 3:.1f}x over") if gated else "-",
            )
        )
        rows += [
            Row("processing", f"{_STAGES[key]} ({ms(key):,.2f} ms)", *ratio(key).fmt("x"), "", "-")
            for key in _STAGES
            if key != "work" and key in t
        ]
        rows.append(
            Row(
                "processing",
                f"{size:,} queues: + botocore encoding {datums:,} datums into {len(batches)} request(s) "
                f"({ms('encode'):,.1f} ms) / json.loads",
                *ratio("encode").fmt("x"),
                "reported separately",
                "-",
            )
        )
    return rows


@contextlib.contextmanager
def stopwatch(owner: Any, name: str) -> Iterator[list[float]]:
    """Records the seconds of every call of `owner.name` (a method or classmethod) inside the block."""
    raw = owner.__dict__[name]
    target = getattr(owner, name) if isinstance(raw, classmethod) else raw
    spent: list[float] = []

    def timing(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return target(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(owner, name, staticmethod(timing) if isinstance(raw, classmethod) else timing)
    try:
        yield spent
    finally:
        setattr(owner, name, raw)


@dataclass(frozen=True)
class Traffic:
    """PutMetricData as the proxy saw it for polls of one size: per poll, and per request."""

    queues: int
    requests: list[int]  # per poll
    datums: list[int]  # per poll
    wire_bytes: list[int]  # per request, as sent (gzip)
    json_bytes: list[int]  # per request, decompressed


@dataclass
class PollFigures:
    """One size's polls: each list has one entry per run, unless it says otherwise."""

    size: int
    cold_ms: list[float] = field(default_factory=list)
    create_ms: list[float] = field(default_factory=list)  # Runtime.create in the cold poll
    warm_ms: list[float] = field(default_factory=list)
    api_ms: list[float] = field(default_factory=list)  # the warm poll's Symbee API call
    publish_ms: list[float] = field(default_factory=list)  # the warm poll's publishing
    own_ms: list[float] = field(default_factory=list)  # a warm poll, PutMetricData answered by the proxy
    own_publish_ms: list[float] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)
    warm_secret_calls: list[int] = field(default_factory=list)
    warm_api_connections: list[int] = field(default_factory=list)
    warm_aws_connections: list[int] = field(default_factory=list)
    naive_puts: list[int] = field(default_factory=list)
    naive_secret_calls: list[int] = field(default_factory=list)
    naive_api_connections: list[int] = field(default_factory=list)
    traffic: Traffic = field(init=False)

    def __post_init__(self) -> None:
        self.traffic = Traffic(self.size, [], [], [], [])


def polls(world: World, plan: Plan, size: int) -> PollFigures:
    """Per run: a new container's first poll, a warm poll, and the naive poll, back to back."""
    lambda_module = quiet_handler()
    simulator = world.use(size)
    naive = NaivePoller(world.settings())
    naive.poll()  # its clients' first connections are not what is compared
    f = PollFigures(size)
    proxy = world.proxy

    def invoke() -> dict[str, Any]:
        result: dict[str, Any] = lambda_module.lambda_handler({}, LocalLambdaContext("symbee-queue-stats-bench"))
        return result

    for _ in range(plan.repeat):
        world.reset_aws()
        lambda_module._runtime = None  # a new container: new clients, empty key cache, no connections
        proxy.reset()
        with stopwatch(runtime.Runtime, "create") as create:
            f.cold_ms.append(timed(invoke) * 1000)
        f.create_ms.append(sum(create) * 1000)
        cold = proxy.reset()
        f.traffic.requests.append(cold.requests[PUT_METRIC_DATA])
        f.traffic.datums.append(sum(cold.datums))
        f.traffic.wire_bytes.extend(cold.wire_bytes)
        f.traffic.json_bytes.extend(cold.json_bytes)

        connections = simulator.connections
        results: list[dict[str, Any]] = []
        with stopwatch(CloudWatchPublisher, "publish") as publish:
            f.warm_ms.append(timed(lambda out=results: out.append(invoke())) * 1000)
        f.api_ms.append(results[0]["api_latency_ms"])
        f.publish_ms.append(sum(publish) * 1000)
        warm = proxy.reset()
        f.warm_secret_calls.append(warm.requests[GET_SECRET_VALUE])
        f.warm_api_connections.append(simulator.connections - connections)
        f.warm_aws_connections.append(warm.connections)

        # The poller's own cost: moto stores datums far slower than CloudWatch answers, so the
        # proxy answers PutMetricData itself (everything else still goes to moto).
        proxy.sink = True
        try:
            with stopwatch(CloudWatchPublisher, "publish") as publish:
                f.own_ms.append(timed(invoke) * 1000)
            f.own_publish_ms.append(sum(publish) * 1000)
        finally:
            proxy.sink = False
            proxy.reset()

        connections = simulator.connections
        proxy.count_datums = False  # decoding 1,000 tiny bodies would slow the naive row down
        f.naive_ms.append(timed(naive.poll) * 1000)
        proxy.count_datums = True
        foil = proxy.reset()
        f.naive_puts.append(foil.requests[PUT_METRIC_DATA])
        f.naive_secret_calls.append(foil.requests[GET_SECRET_VALUE])
        f.naive_api_connections.append(simulator.connections - connections)
    return f


def requests_rows(traffic: Sequence[Traffic]) -> list[Row]:
    rows: list[Row] = []
    for size, puts, datums, wire, plain in (
        (t.queues, t.requests, t.datums, t.wire_bytes, t.json_bytes) for t in traffic
    ):
        minimum = math.ceil(max(datums) / MAX_DATUMS_PER_REQUEST)
        rows.append(
            Row(
                "requests",
                f"{size:,} queues: PutMetricData requests per poll, {max(datums):,} datums (counted at the server)",
                *Summary.of(puts).fmt("", 0),
                f"= ceil(datums/1000) = {minimum}",
                verdict(max(puts) == minimum, f"{max(puts) - minimum} extra"),
            )
        )
        sent, body = Summary.of(wire), Summary.of(plain)
        rows.append(
            Row(
                "requests",
                f"{size:,} queues: bytes per request as sent, gzip (JSON {body.median / 1024:,.0f} KiB)",
                f"{sent.median / 1024:,.1f} KiB",
                f"{sent.low / 1024:,.1f}-{sent.high / 1024:,.1f} KiB" if sent.low != sent.high else "-",
                "JSON <= 1 MiB",
                verdict(body.high <= 1024 * 1024, "over the PutMetricData limit"),
            )
        )
    return rows


def concurrency(world: World, plan: Plan) -> list[Row]:
    """A big poll's publishing: concurrent batches (as shipped) against one request and sequential."""
    datums = pipeline(simulator_body(plan.concurrency_queues), datetime.now(UTC))
    flat = [d for batch in datums for d in batch]
    batches = len(datums)
    publisher = shipped_publisher(world.settings())
    proxy = world.proxy
    proxy.sink, proxy.put_delay, proxy.count_datums = True, plan.put_delay, False
    shipped = cloudwatch.MAX_CONCURRENT_REQUESTS
    one, together, sequential = [], [], []
    try:
        publisher.send(flat[:10])  # open a connection first, as a warm container has
        for _ in range(plan.repeat):
            one.append(timed(lambda: publisher.send(flat[:MAX_DATUMS_PER_REQUEST])))
            together.append(timed(lambda: publisher.send(flat)))
            cloudwatch.MAX_CONCURRENT_REQUESTS = 1
            try:
                sequential.append(timed(lambda: publisher.send(flat)))
            finally:
                cloudwatch.MAX_CONCURRENT_REQUESTS = shipped
    finally:
        proxy.sink, proxy.put_delay, proxy.count_datums = False, 0.0, True
        proxy.reset()
    delay = f"+{plan.put_delay * 1000:.0f} ms per request at the proxy"
    base = Summary.of([x * 1000 for x in one])
    rows = [
        Row("concurrency", f"1 PutMetricData of 1,000 datums ({delay})", *base.fmt(" ms", 0), "the unit", "-"),
    ]
    ratio = Summary.of([t / o for t, o in zip(together, one, strict=True)])
    ms = statistics.median(together) * 1000
    rows.append(
        Row(
            "concurrency",
            f"{plan.concurrency_queues:,} queues: {batches} batches, {shipped} at a time as shipped "
            f"({ms:,.0f} ms) / 1 request",
            *ratio.fmt("x"),
            "~1x (about one request)",
            verdict(ratio.median <= 1.5, f"{ratio.median:.1f}x one request"),
        )
    )
    ratio = Summary.of([s / o for s, o in zip(sequential, one, strict=True)])
    ms = statistics.median(sequential) * 1000
    rows.append(
        Row(
            "concurrency",
            f"  same batches one after another ({ms:,.0f} ms) / 1 request",
            *ratio.fmt("x"),
            f"~{batches}x (the sum)",
            "-",
        )
    )
    return rows


# Runs in a fresh interpreter: argv = [statement]; prints the seconds the statement took.
_IMPORT_CHILD = """
import sys, time
started = time.perf_counter()
exec(sys.argv[1])
print(time.perf_counter() - started)
"""


def cold_start(plan: Plan, asset: BuiltAsset) -> list[Row]:
    """Import time in fresh interpreters, the two imports alternating pair by pair."""
    base_env = {**os.environ, "PYTHONPATH": str(LAMBDA_SRC)}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run(env: dict[str, str], *args: str) -> str:
        out = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as warm:
        # Every module's .pyc, written once into a folder of our own: both sides then load bytecode,
        # whatever this machine's PYTHONDONTWRITEBYTECODE and the state of lambda_src/__pycache__.
        env = {**base_env, "PYTHONPYCACHEPREFIX": warm}
        run(env, "-c", "import boto3, requests, queue_stats.handler")

        def import_seconds(statement: str) -> float:
            return float(run(env, "-c", _IMPORT_CHILD, statement))

        bare: list[float] = []
        ours: list[float] = []
        for pair in range(plan.cold_start_pairs):
            order = [("bare", "import boto3, requests"), ("ours", "import queue_stats.handler")]
            for name, statement in order if pair % 2 == 0 else reversed(order):
                (bare if name == "bare" else ours).append(import_seconds(statement))

    ratio = Summary.of([o / b for o, b in zip(ours, bare, strict=True)])
    rows = [
        Row(
            "cold start",
            f"import queue_stats.handler ({statistics.median(ours) * 1000:,.0f} ms) / import boto3, requests "
            f"({statistics.median(bare) * 1000:,.0f} ms), fresh interpreters",
            *ratio.fmt("x", 2),
            "<= 1.25x",
            verdict(ratio.median <= 1.25, f"{ratio.median / 1.25:.2f}x over"),
        )
    ]
    return rows + shipped_cold_start(plan, asset)


# Runs in a fresh runtime interpreter started with -I -B (no PYTHONPATH, no .pyc written, as on
# Lambda's read-only /var/task): argv = [asset folder, statement]; prints the seconds it took.
_ASSET_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
exec(sys.argv[2])
print(time.perf_counter() - started)
"""
BENCH_WHEELS = ROOT / ".cache" / "bench-wheels"


@dataclass(frozen=True)
class BuiltAsset:
    """The function's asset built as for a synth, for this machine (or why it could not be)."""

    python: str = ""
    folder: Path | None = None
    problem: str = ""


def build_asset(folder: Path) -> BuiltAsset:
    """The asset exactly as infra/wheels.py builds it (pip, then bytecode compiled by the runtime's
    Python), but from wheels for this machine: the shipped ones are arm64 and do not load here.
    Built before the local servers start (their environment would point pip at their certificate)."""
    from infra import wheels  # no CDK import: only pip and compileall

    try:
        python = wheels.runtime_python()
        if not any(BENCH_WHEELS.glob("*.whl")):
            wheels.download(BENCH_WHEELS, wheels.HOST_PLATFORM_ARGS)
        wheels.build(folder, wheel_cache=BENCH_WHEELS, platform_args=wheels.HOST_PLATFORM_ARGS)
    except (wheels.BundlingError, subprocess.CalledProcessError) as error:
        return BuiltAsset(problem=str(error).splitlines()[0][:200])
    return BuiltAsset(python, folder)


def shipped_cold_start(plan: Plan, asset: BuiltAsset) -> list[Row]:
    """The built asset imported by the runtime's Python in fresh interpreters, with its .pyc and
    without them, alternating pair by pair."""
    from infra import wheels

    statement = "import queue_stats.handler"
    if asset.folder is None:
        return [Row("cold start", f"  {statement} from the asset: not measured ({asset.problem})", "-", "-", "", "-")]
    shipped: list[float] = []
    compiled: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-asset-plain-") as folder:
        plain = Path(folder) / "asset"
        shutil.copytree(asset.folder, plain, ignore=shutil.ignore_patterns("__pycache__"))
        for pair in range(max(1, plan.cold_start_pairs // 2)):
            order = [(shipped, asset.folder), (compiled, plain)]
            for times, where in order if pair % 2 == 0 else reversed(order):
                out = subprocess.run(
                    [asset.python, "-I", "-B", "-c", _ASSET_CHILD, str(where), statement],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                times.append(float(out.stdout.strip()))
    version = wheels.PYTHON_VERSION
    ratio = Summary.of([c / s for c, s in zip(compiled, shipped, strict=True)])
    return [
        Row(
            "cold start",
            f"  {statement}, Python {version}, from the asset as built: with its .pyc (as shipped)",
            *Summary.of([x * 1000 for x in shipped]).fmt(" ms", 0),
            "",
            "-",
        ),
        Row(
            "cold start",
            f"  same asset without .pyc (as shipped before): Python {version} compiles every module "
            f"({statistics.median(compiled) * 1000:,.0f} ms) / with",
            *ratio.fmt("x", 1),
            "",
            "-",
        ),
    ]


@dataclass
class BigPoll:
    """Cold polls of one size, each in a fresh process: one entry per run."""

    size: int
    peak_mb: list[float] = field(default_factory=list)
    poll_mb: list[float] = field(default_factory=list)  # peak - RSS after the imports
    cpu_s: list[float] = field(default_factory=list)  # the poll's CPU, every thread of the process
    wall_s: list[float] = field(default_factory=list)
    api_s: list[float] = field(default_factory=list)


def big_polls(world: World, plan: Plan) -> tuple[list[BigPoll], Traffic]:
    """One cold poll per run and size, in a fresh process that imports the handler first, with
    PutMetricData answered at the proxy: moto would spend minutes storing 100,000s of datums, and
    CloudWatch's answer is all the poller waits for."""
    proxy = world.proxy
    figures: list[BigPoll] = []
    traffic = Traffic(plan.large_sizes[0], [], [], [], [])
    proxy.sink = True
    try:
        for size in plan.large_sizes:
            world.use(size)
            f = BigPoll(size)
            proxy.count_datums = size == traffic.queues  # decoding every body would compete for the CPU
            for _ in range(plan.memory_runs):
                proxy.reset()
                out = subprocess.run(
                    [sys.executable, __file__, "--memory-child"],
                    env=dict(os.environ),
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(out.stdout.strip().splitlines()[-1])
                if result["queues"] != size:
                    raise RuntimeError(f"a poll of {size:,} queues published {result['queues']:,}")
                f.peak_mb.append(result["peak_kb"] / 1024)
                f.poll_mb.append((result["peak_kb"] - result["baseline_kb"]) / 1024)
                f.cpu_s.append(result["cpu_s"])
                f.wall_s.append(result["wall_s"])
                f.api_s.append(result["api_ms"] / 1000)
                seen = proxy.reset()
                if size == traffic.queues:
                    traffic.requests.append(seen.requests[PUT_METRIC_DATA])
                    traffic.datums.append(sum(seen.datums))
                    traffic.wire_bytes.extend(seen.wire_bytes)
                    traffic.json_bytes.extend(seen.json_bytes)
            figures.append(f)
    finally:
        proxy.sink, proxy.count_datums = False, True
    return figures, traffic


def memory_rows(figures: Sequence[BigPoll]) -> list[Row]:
    configured = configured_memory_mb()
    f = figures[0]
    peak = Summary.of(f.peak_mb)
    return [
        Row(
            "memory",
            f"peak RSS of a fresh process: import the handler, one poll of {f.size:,} queues (VmHWM)",
            *peak.fmt(" MB", 0),
            f"<= {configured:,} MB configured",
            verdict(peak.median <= configured * 0.75, f"{peak.median:.0f} MB is not well under {configured:,} MB"),
        ),
        Row(
            "memory",
            "  of which the poll (peak - RSS after the imports)",
            *Summary.of(f.poll_mb).fmt(" MB", 0),
            "",
            "-",
        ),
    ]


# Lambda gives a function one full vCPU at 1,769 MB, and CPU in proportion below that.
FULL_VCPU_MB = 1769


def largest_rows(figures: Sequence[BigPoll]) -> list[Row]:
    """What the largest environments need: CPU, memory, and the time that makes in the function."""
    memory_mb, timeout_s = configured_memory_mb(), configured_timeout_s()
    share = min(1.0, memory_mb / FULL_VCPU_MB)
    rows: list[Row] = []
    for f in figures:
        cpu, peak = Summary.of(f.cpu_s), Summary.of(f.peak_mb)
        rows.append(
            Row(
                "largest",
                f"{f.size:,} queues: CPU of one cold poll, all threads (wall {statistics.median(f.wall_s):,.1f} s "
                f"with the API's {statistics.median(f.api_s):,.1f} s; peak RSS {peak.median:,.0f} MB)",
                *cpu.fmt(" s", 1),
                "",
                "-",
            )
        )
        # CPU-bound work stretches by 1/share in the function; the API's wait does not.
        estimate = cpu.median / share + statistics.median(f.api_s)
        rows.append(
            Row(
                "largest",
                f"  in the function at {memory_mb:,} MB ({share:.2f} vCPU): CPU / {share:.2f} + the API's wait "
                f"(an estimate; peak {peak.median:,.0f} of {memory_mb:,} MB)",
                f"{estimate:,.0f} s",
                "-",
                f"<= {timeout_s / 2:,.0f} s (half the {timeout_s} s timeout)",
                verdict(
                    estimate <= timeout_s / 2 and peak.median <= memory_mb * 0.75,
                    f"{estimate:,.0f} s, {peak.median:,.0f} MB",
                ),
            )
        )
    return rows


def rss_kb() -> tuple[int, int]:
    """(current, peak) resident set of this process in KiB.

    Linux's VmHWM is the peak of this process image alone; ru_maxrss would also count the
    parent's memory at fork time, since a forked child inherits it."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there, KiB on Linux
        peak //= 1024
    return peak, peak


def memory_child() -> None:
    """One cold poll in this fresh process; prints its RSS before and after, its CPU and wall time
    as JSON on the last line. The invocation has all the time it needs: this measures, it does
    not judge the timeout."""
    lambda_module = quiet_handler()
    baseline, _ = rss_kb()
    cpu, wall = time.process_time(), time.perf_counter()
    result = lambda_module.lambda_handler({}, LocalLambdaContext("symbee-queue-stats-bench", seconds=3600))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    _, peak = rss_kb()
    summary = {"baseline_kb": baseline, "peak_kb": peak, "queues": result["queues"], "cpu_s": cpu, "wall_s": wall}
    print(json.dumps({**summary, "api_ms": result["api_latency_ms"]}))


def e2e_rows(figures: Sequence[PollFigures]) -> list[Row]:
    rows: list[Row] = []
    for f in figures:
        rows.append(
            Row(
                "end to end",
                f"{f.size:,} queues: a new container's first poll, imports excluded "
                f"(clients {statistics.median(f.create_ms):,.0f} ms, key read, TLS)",
                *Summary.of(f.cold_ms).fmt(" ms", 0),
                "",
                "-",
            )
        )
        rest = [w - a - p for w, a, p in zip(f.warm_ms, f.api_ms, f.publish_ms, strict=True)]
        rows.append(
            Row(
                "end to end",
                f"{f.size:,} queues: warm poll via lambda_handler (API {statistics.median(f.api_ms):,.0f} ms, "
                f"publish to moto {statistics.median(f.publish_ms):,.0f} ms, rest {statistics.median(rest):,.0f} ms)",
                *Summary.of(f.warm_ms).fmt(" ms", 0),
                "",
                "-",
            )
        )
        rows.append(
            Row(
                "end to end",
                f"  same, PutMetricData answered at the proxy: the poller's own cost "
                f"(publish {statistics.median(f.own_publish_ms):,.0f} ms)",
                *Summary.of(f.own_ms).fmt(" ms", 0),
                "",
                "-",
            )
        )
    for f in figures:
        ratio = Summary.of([nv / w for nv, w in zip(f.naive_ms, f.warm_ms, strict=True)])
        rows.append(
            Row(
                "side by side",
                f"{f.size:,} queues: naive poll ({statistics.median(f.naive_ms):,.0f} ms: "
                f"{max(f.naive_puts):,} PutMetricData, {max(f.naive_secret_calls)} key read, "
                f"{max(f.naive_api_connections)} new TLS conn.) / warm poll",
                *ratio.fmt("x"),
                "",
                "-",
            )
        )
    return rows


def warm_rows(figures: Sequence[PollFigures]) -> list[Row]:
    secret = [c for f in figures for c in f.warm_secret_calls]
    api = [c for f in figures for c in f.warm_api_connections]
    aws = [c for f in figures for c in f.warm_aws_connections]
    runs = len(secret)
    return [
        Row(
            "warm poll",
            f"Secrets Manager calls in the 2nd poll, inside the key's max age (max of {runs})",
            str(max(secret)),
            "-",
            "0",
            verdict(max(secret) == 0, f"{max(secret)} calls"),
        ),
        Row(
            "warm poll",
            f"new TCP/TLS connections to the Symbee API in the 2nd poll (max of {runs})",
            str(max(api)),
            "-",
            "0",
            verdict(max(api) == 0, f"{max(api)} connections"),
        ),
        Row(
            "warm poll",
            f"  new connections to AWS endpoints in the 2nd poll (max of {runs}; the pool grows with concurrency)",
            str(max(aws)),
            "-",
            "",
            "-",
        ),
    ]


# --- OpenTelemetry side by side ------------------------------------------------------------------------

POLLS_PER_MONTH = 60 * 24 * 365 // 12  # one poll a minute, an average month: 43,800
OTLP_PRICES_PER_GB = (0.50, 0.08)  # third-party figures; AWS's own price per GB is not known
_OTLP_IMPORT = "import queue_stats.otlp"


def otlp_side_by_side(world: World, plan: Plan) -> list[Row]:
    """METRICS_BACKEND=otel beside the classic path: encoding time, bytes (what is billed) and
    requests per poll, and what the OTLP libraries add to a cold start."""
    import gzip

    from queue_stats.metrics import snapshot_datums
    from queue_stats.otlp import OtlpPublisher
    from queue_stats.otlp_wire import MAX_POINTS_PER_REQUEST, encode_snapshot
    from queue_stats.publish import Snapshot
    from symbee_sim.otlp_receiver import OtlpReceiver

    rows: list[Row] = []
    settings = world.settings()
    classic = stubbed(shipped_publisher(settings))
    signer = OtlpPublisher(
        endpoint="https://monitoring.us-east-1.amazonaws.com/v1/metrics",
        region="us-east-1",
        credentials=boto3.session.Session().get_credentials,
    )
    for size in plan.e2e_sizes:
        parsed = parse_body(simulator_body(size))
        health = Health(True, 12.5, len(parsed.queues), len(parsed.problems))
        snap = Snapshot(ENVIRONMENT, datetime.now(UTC), parsed.queues, health)

        def otlp_encode(s: Snapshot = snap) -> list[Any]:
            return [signer._signed_headers(r.body) for r in encode_snapshot(s)]  # encoded and signed

        def classic_encode(s: Snapshot = snap) -> None:
            send_all(classic, batch_datums(snapshot_datums(s)))  # datums, botocore encoding, gzip, signing

        otlp_encode()
        classic_encode()
        loops = max(1, 1_000 // size)
        otlp_s, bare_s, classic_s = [], [], []
        for _ in range(plan.repeat):
            otlp_s.append(timed(otlp_encode, loops))
            bare_s.append(timed(lambda s=snap: encode_snapshot(s), loops))
            classic_s.append(timed(classic_encode, loops))
        requests_ = encode_snapshot(snap)
        points = sum(r.points for r in requests_)
        raw = sum(len(r.body) for r in requests_)
        zipped = sum(len(gzip.compress(r.body)) for r in requests_)
        ratio = Summary.of([o / c for o, c in zip(otlp_s, classic_s, strict=True)])
        otlp_ms, bare_ms, classic_ms = (statistics.median(t) * 1000 for t in (otlp_s, bare_s, classic_s))
        rows.append(
            Row(
                "otlp",
                f"{size:,} queues: OTLP encoding + SigV4, {points:,} points ({otlp_ms:,.1f} ms; encoding alone "
                f"{bare_ms:,.1f} ms) / classic datums + botocore ({classic_ms:,.1f} ms)",
                *ratio.fmt("x", 2),
                "",
                "-",
            )
        )
        month = raw * POLLS_PER_MONTH / 1e9
        costs = ", ".join(f"${month * price:,.2f} at ${price:.2f}/GB" for price in OTLP_PRICES_PER_GB)
        rows.append(
            Row(
                "otlp",
                f"{size:,} queues: serialized protobuf per poll (what is billed; gzip would send "
                f"{zipped / 1024:,.1f} KiB, {1 - zipped / raw:.0%} less)",
                f"{raw / 1024:,.1f} KiB",
                "-",
                "",
                "-",
            )
        )
        rows.append(
            Row(
                "otlp",
                f"  per month at a poll a minute ({POLLS_PER_MONTH:,} polls, GB = 10^9 bytes): {costs}",
                f"{month:,.2f} GB",
                "-",
                "",
                "-",
            )
        )

    # Requests per poll, counted at a local OTLP endpoint by the real handler (a warm container).
    moto_env = world.moto.env()
    receiver = OtlpReceiver(
        credentials=(moto_env["AWS_ACCESS_KEY_ID"], moto_env["AWS_SECRET_ACCESS_KEY"]), region=world.moto.region
    ).start()
    lambda_module = quiet_handler()
    saved = {k: os.environ.get(k) for k in (n.ENV_METRICS_BACKEND, n.ENV_OTLP_METRICS_ENDPOINT)}
    os.environ.update({n.ENV_METRICS_BACKEND: n.BACKEND_OTEL, n.ENV_OTLP_METRICS_ENDPOINT: receiver.url})
    try:
        for size in plan.e2e_sizes:
            world.use(size)
            lambda_module._runtime = None
            lambda_module.lambda_handler({}, LocalLambdaContext("symbee-queue-stats-bench"))
            receiver.reset()
            warm: list[float] = []
            counts: list[int] = []
            for _ in range(plan.repeat):
                warm.append(timed(lambda: lambda_module.lambda_handler({}, LocalLambdaContext("bench"))) * 1000)
                counts.append(len(receiver.exports))
                points = len(receiver.points())
                assert all(e.status == 200 and e.signature_problem is None for e in receiver.exports)
                receiver.reset()
            minimum = math.ceil(points / MAX_POINTS_PER_REQUEST)
            rows.append(
                Row(
                    "otlp",
                    f"{size:,} queues: OTLP requests per poll, {points:,} points (counted at a local endpoint; "
                    f"warm poll {statistics.median(warm):,.0f} ms)",
                    *Summary.of(counts).fmt("", 0),
                    f"= ceil(points/1000) = {minimum}",
                    verdict(max(counts) == minimum, f"{max(counts) - minimum} extra"),
                )
            )
    finally:
        receiver.stop()
        lambda_module._runtime = None
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    # What METRICS_BACKEND=otel adds to a cold start: the OTLP modules, imported after the handler.
    env = {**os.environ, "PYTHONPATH": str(LAMBDA_SRC)}
    added: list[float] = []
    for _ in range(plan.cold_start_pairs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_CHILD, "", "queue_stats.handler", _OTLP_IMPORT],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        added.append(float(out.stdout.strip()) * 1000)
    rows.append(
        Row(
            "otlp",
            "cold start: `import queue_stats.otlp` after the handler (protobuf, opentelemetry-proto; only with "
            "METRICS_BACKEND otel or both)",
            *Summary.of(added).fmt(" ms", 0),
            "",
            "-",
        )
    )
    return rows


# --- imports -------------------------------------------------------------------------------------------


def import_breakdown(runs: int = 5) -> str:
    """What importing the handler adds once boto3 and requests are loaded (python -X importtime)."""
    env = {**os.environ, "PYTHONPATH": str(LAMBDA_SRC)}
    totals: dict[str, list[int]] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import boto3, requests; import queue_stats.handler"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", x) for x in out.stderr.splitlines()]
        found = [(int(m[2]), len(m[3]) // 2, m[4]) for m in lines if m]
        start = max(i for i, (_, depth, name) in enumerate(found) if name == "requests" and depth == 0)
        for cumulative, depth, name in found[start + 1 :]:
            totals.setdefault(f"{'  ' * depth}{name}", []).append(cumulative)
    top = sorted(totals.items(), key=lambda kv: -statistics.median(kv[1]))[:15]
    report = [f"What `import queue_stats.handler` adds after boto3 + requests (median of {runs}, cumulative us):"]
    report += [f"  {statistics.median(v):>8,.0f}  {name}" for name, v in top]
    return "\n".join(report)


# --- main ------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run (the smoke test)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--imports", action="store_true", help="also print the handler's import breakdown")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child()
        return 0
    plan = Plan.quick() if args.quick else Plan.full(max(1, args.repeat))
    started = time.monotonic()
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        asset = build_asset(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-asset-"))) / "asset")
        world = World(stack, (*plan.e2e_sizes, *plan.large_sizes))
        rows += processing(world, plan)
        figures = [polls(world, plan, size) for size in plan.e2e_sizes]
        big, big_traffic = big_polls(world, plan)
        rows += requests_rows([*(f.traffic for f in figures), big_traffic])
        rows += concurrency(world, plan)
        rows += warm_rows(figures)
        rows += cold_start(plan, asset)
        rows += memory_rows(big)
        rows += largest_rows(big)
        rows += e2e_rows(figures)
        rows += otlp_side_by_side(world, plan)
    print(
        f"make bench: Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} cores, {platform.machine()} {platform.system()}; median of {plan.repeat} run(s), "
        f"spread = interquartile range; {time.monotonic() - started:.0f} s"
    )
    print(render(rows))
    if args.imports:
        print()
        print(import_breakdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

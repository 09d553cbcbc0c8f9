"""A local simulator of the Symbee Connect Realtime Queue Statistics API (standard library only).

It lives outside the Lambda asset: tests, `make demo` and `symbee-queue-stats simulate` use it in
place of the vendor's service.
"""

from .data import generate_queues, vendor_example
from .faults import FAULT_KINDS, Fault, break_types
from .server import REQUIRED_HEADERS, ReceivedRequest, SimulatorServer

__all__ = [
    "FAULT_KINDS",
    "REQUIRED_HEADERS",
    "Fault",
    "ReceivedRequest",
    "SimulatorServer",
    "break_types",
    "generate_queues",
    "vendor_example",
]

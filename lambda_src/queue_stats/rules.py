"""What a value must look like for the runtime to use it: one rule each, read by the runtime's
settings and parser and by the stack's synth checks (so synth refuses what every poll would). Pure.
"""

from __future__ import annotations

from queue_stats import names as n

MAX_DIMENSION_VALUE = n.MAX_DIMENSION_VALUE


def is_header_value(value: str) -> bool:
    """HTTP headers, and CloudWatch dimensions, carry printable ASCII only."""
    return value.isascii() and value.isprintable()


def escaped(text: str) -> str:
    """`text` in printable ASCII: any other character becomes a Python-style escape (`Zürich` ->
    `Z\\xfcrich`), so distinct names stay distinct."""
    if is_header_value(text):
        return text
    return "".join(char if " " <= char <= "~" else _escape(char) for char in text)


def dimension_value(text: str) -> str:
    """`text` as CloudWatch can store it in a dimension: printable ASCII only (PutMetricData
    refuses the whole request for one non-ASCII or control character), then cut to the limit."""
    return escaped(text)[:MAX_DIMENSION_VALUE]


def queue_id_fits(queue_id: str) -> bool:
    """Whether the poller publishes a queue with this id: one over the dimension limit once
    escaped is skipped rather than cut (two such ids would merge into one series)."""
    return len(escaped(queue_id)) <= MAX_DIMENSION_VALUE


def otlp_label_value(text: str) -> str:
    """`text` as an OTLP string (and so a PromQL label value) holds it: any Unicode as it is. JSON
    can spell a lone UTF-16 surrogate (`"\\ud800"`), which no UTF-8 string holds; those alone are
    written as escapes (`\\ud800`), so distinct names stay distinct and the request still encodes."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"

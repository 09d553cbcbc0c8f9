"""Keeps secret values out of every log line, whoever logs them.

botocore logs whole response bodies at DEBUG, Secrets Manager's `SecretString` included, before
the caller even sees the value. A log-record factory is the one place every record passes
through once it is known to be emitted, so redaction there covers our loggers, botocore's,
urllib3's and any handler (Lambda's, pytest's) alike.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from typing import Any

REDACTED = "[redacted]"
# A secret field in any JSON-ish text, e.g. botocore's "Response body: b'{... "SecretString": "..."}'".
# The value runs to the first quote not preceded by a backslash (or to the end of the text): in
# botocore's line the JSON sits inside a bytes repr, where an escaped quote inside the value reads
# \\" rather than \", so a strict JSON string pattern would stop early and show the rest. Ending
# late, at worst, redacts a little more than the value.
_SECRET_FIELD = re.compile(r'("Secret(?:String|Binary)"\s*:\s*")(.*?)((?<!\\)"|\Z)', re.DOTALL)
# Rotated keys stay redacted for a while: an old key may still appear in a late log line.
_known: deque[str] = deque(maxlen=32)


def register(secret: str) -> None:
    """Redact this value from every log record from now on: as is, JSON-escaped (also with "/" as
    "\\/", as some servers write it), Python-escaped, and JSON-escaped inside a repr (botocore logs
    bodies as bytes reprs)."""
    in_json = json.dumps(secret)[1:-1]
    forms = (secret, in_json, in_json.replace("/", "\\/"), repr(secret)[1:-1], in_json.replace("\\", "\\\\"))
    for form in forms:
        if form and form not in _known:
            _known.append(form)


def redact(text: str) -> str:
    text = _SECRET_FIELD.sub(rf"\1{REDACTED}\3", text)
    for secret in _known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def install() -> None:
    """Wrap the log-record factory once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it was; logging reports it later
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return record

    factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

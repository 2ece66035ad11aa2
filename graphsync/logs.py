"""Logging for people and for schedulers, with secrets kept out of every line.

Readable text by default; one JSON object per line (``--log-format json``) for scheduled runs whose
output a log collector reads. Every handler graphsync installs carries `RedactSecrets`, which replaces
registered secret values (tokens, client secrets, passwords) and anything shaped like a bearer token or
a JWT with ``[redacted]``: a secret must not reach a log even through a library's debug message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from enum import Enum
from typing import TextIO

LOGGER_NAME = "graphsync"
REDACTED = "[redacted]"

_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/:@=]+"),
    re.compile(r"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"),
    re.compile(
        r"(?i)((?:client_secret|password|access_token|refresh_token|id_token)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,}]+"
    ),
)


class LogFormat(Enum):
    TEXT = "text"
    JSON = "json"


class _SecretRegistry:
    """Values known to be secret during this process, registered when they are obtained."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        # Very short values would redact ordinary words; real secrets are long.
        if value and len(value) >= 6:
            with self._lock:
                self._values.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
        return text


SECRETS = _SecretRegistry()


def register_secret(value: str) -> None:
    """Make sure ``value`` never appears in graphsync's log output."""
    SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret and token-shaped string replaced."""
    return SECRETS.redact(text)


class RedactSecrets(logging.Filter):
    """Formats the record's message once, redacted, so that arguments cannot smuggle a secret out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key.startswith("gs_"):
                entry[key[3:]] = value
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, default=str)


def configure_logging(*, fmt: LogFormat, verbose: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """Install one handler on the root logger (so library messages are redacted too); returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets())
    if fmt is LogFormat.JSON:
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = __import__("time").gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_graphsync", False)]:
        root.removeHandler(old)
    handler._graphsync = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Libraries are chatty at INFO (every HTTP request); keep them at WARNING unless asked.
    for noisy in ("httpx", "httpcore", "msal", "azure", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    return handler

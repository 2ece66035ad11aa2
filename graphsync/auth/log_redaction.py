"""Keep secrets out of the sign-in libraries' logs.

MSAL masks tokens in its debug log but not everything: its token-cache event log prints the request body,
device code included. graphsync promises that no token or secret reaches any log, so a filter on MSAL's
loggers masks the values of secret-bearing fields (JSON or form-encoded) before any handler sees a record.
"""

from __future__ import annotations

import logging
import re

MASK = "********"
SECRET_FIELDS = (
    "access_token",
    "refresh_token",
    "id_token",
    "device_code",
    "code",
    "client_secret",
    "client_assertion",
    "assertion",
    "password",
)
_NAMES = "|".join(SECRET_FIELDS)
_JSON_VALUE = re.compile(rf"""(["'](?:{_NAMES})["']\s*:\s*)(["'])(?:(?!\2).)*\2""")
_FORM_VALUE = re.compile(rf"(?<![A-Za-z_])((?:{_NAMES})=)[^&\s\"']+")


def redact(text: str) -> str:
    text = _JSON_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    return _FORM_VALUE.sub(lambda m: f"{m.group(1)}{MASK}", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def redact_library_logs(*roots: str) -> None:
    """Put the filter on every existing logger under ``roots`` (filters are not inherited by child loggers,
    so each module's logger gets its own). Call it after the library's modules are imported."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or name.split(".")[0] not in roots:
            continue
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

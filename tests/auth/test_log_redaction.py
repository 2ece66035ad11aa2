from __future__ import annotations

import logging

import pytest

from graphsync.auth.log_redaction import MASK, redact, redact_library_logs


def test_json_and_form_values_are_masked() -> None:
    text = '{"device_code": "DC-1", "code": "C-2", "user_code": "GSYNC123", \'refresh_token\': \'RT-3\'}'
    cleaned = redact(text)
    assert "DC-1" not in cleaned and "C-2" not in cleaned and "RT-3" not in cleaned
    assert "GSYNC123" in cleaned  # the code a person types is shown on purpose
    form = redact("grant_type=refresh_token&refresh_token=RT-4&client_id=abc&client_secret=S-5")
    assert form == f"grant_type=refresh_token&refresh_token={MASK}&client_id=abc&client_secret={MASK}"


def test_filter_on_library_loggers(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("msal.graphsync_test")
    redact_library_logs("msal")
    redact_library_logs("msal")  # idempotent
    assert len(logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="msal"):
        logger.debug("event=%s", '{"device_code": "DC-SECRET"}')
    assert "DC-SECRET" not in caplog.text and MASK in caplog.text

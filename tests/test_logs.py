import io
import json
import logging

import pytest

from graphsync.logs import LogFormat, configure_logging, redact, register_secret


@pytest.fixture
def capture():  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    handler = configure_logging(fmt=LogFormat.TEXT, stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_registered_secret_never_logged_even_as_argument(capture: io.StringIO) -> None:
    register_secret("pa55-w0rd-xyz")
    logging.getLogger("graphsync.test").info("connecting with %s", "pa55-w0rd-xyz")
    assert "pa55-w0rd-xyz" not in capture.getvalue()
    assert "[redacted]" in capture.getvalue()


def test_token_shapes_redacted_without_registration() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"
    assert jwt not in redact(f"Authorization: Bearer {jwt}")
    assert "abc123secret" not in redact("client_secret=abc123secret&x=1")
    assert "hunter22" not in redact('{"password": "hunter22"}')
    assert redact("plain words stay") == "plain words stay"


def test_exception_text_redacted(capture: io.StringIO) -> None:
    register_secret("s3cret-in-exception")
    try:
        raise RuntimeError("failed with s3cret-in-exception")
    except RuntimeError:
        logging.getLogger("graphsync.test").exception("boom")
    assert "s3cret-in-exception" not in capture.getvalue()
    assert "RuntimeError" in capture.getvalue()


def test_json_format_one_object_per_line() -> None:
    stream = io.StringIO()
    handler = configure_logging(fmt=LogFormat.JSON, stream=stream)
    try:
        logging.getLogger("graphsync.test").warning("hello %s", "world", extra={"gs_mailbox": "eh@contoso.com"})
    finally:
        logging.getLogger().removeHandler(handler)
    entry = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert entry["message"] == "hello world"
    assert entry["level"] == "warning"
    assert entry["mailbox"] == "eh@contoso.com"
    assert entry["time"].endswith("Z")

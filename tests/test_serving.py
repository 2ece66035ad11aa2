import socket

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from graphsync.serving import serve_in_thread


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("up"))])


def _config(port: int) -> uvicorn.Config:
    return uvicorn.Config(_app(), host="127.0.0.1", port=port, log_level="critical", lifespan="off")


def test_serves_on_a_free_port_and_stops_after_the_block() -> None:
    with serve_in_thread(_config(0), name="test server") as url:
        assert httpx.get(url + "/").text == "up"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=2)


# uvicorn ends its thread with SystemExit after logging the bind error; that is the behaviour under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_taken_port_is_an_error_naming_the_server() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(RuntimeError, match="test server did not start"),
            serve_in_thread(_config(port), name="test server", startup_timeout=5),
        ):
            pass

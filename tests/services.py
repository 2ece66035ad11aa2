"""Real PostgreSQL and Redis servers for the tests that need them (the state store on PostgreSQL, Celery
workers), never fakes.

By default the standard local servers: PostgreSQL at 127.0.0.1:5432 as user ``postgres`` or ``root`` with
trust authentication, Redis at 127.0.0.1:6379. Other servers by environment variable:

    GRAPHSYNC_TEST_POSTGRES=postgresql://USER@HOST:PORT/postgres   a user that may create databases
    GRAPHSYNC_TEST_REDIS=redis://HOST:PORT/DB
    GRAPHSYNC_TEST_RABBITMQ=amqp://USER@HOST:PORT/VHOST        (RabbitMQ as Celery's broker; default guest)

Without a server, its tests skip with one reason naming it and how to provide one, so README's test command
passes on a newcomer's laptop; ``GRAPHSYNC_REQUIRE_SERVICES=1`` (set by `.ci/run`) turns that skip into a
failure, so CI always runs them.

Nothing here touches what other users of the servers keep: each test session creates a database of its own
(``graphsync_test_<random>``, dropped at the end) and each test a schema in it; Redis keys carry a prefix of
the test's own and only those are deleted.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from graphsync.engine.state import StateStore

REQUIRE = "GRAPHSYNC_REQUIRE_SERVICES"
POSTGRES = "GRAPHSYNC_TEST_POSTGRES"
REDIS = "GRAPHSYNC_TEST_REDIS"
RABBITMQ = "GRAPHSYNC_TEST_RABBITMQ"
POSTGRES_DEFAULTS = ("postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://root@127.0.0.1:5432/postgres")
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
RABBITMQ_DEFAULT = "amqp://guest@127.0.0.1:5672//"


def unavailable(service: str, variable: str, reason: str) -> NoReturn:
    """Skip (or, with GRAPHSYNC_REQUIRE_SERVICES=1, fail) a test whose server is not there."""
    message = (
        f"needs a real {service} server, and none answered ({reason}); start one, or name one in {variable}. "
        f"{REQUIRE}=1 (as .ci/run sets) makes this a failure instead of a skip"
    )
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# ---------------------------------------------------------------------- PostgreSQL

_postgres: dict[str, object] = {}


def postgres_admin() -> str:
    """A libpq URL of a PostgreSQL server where the tests may create databases (checked once per session)."""
    if "url" in _postgres:
        return str(_postgres["url"])
    if "error" in _postgres:
        unavailable("PostgreSQL", POSTGRES, str(_postgres["error"]))
    import psycopg

    candidates = [os.environ[POSTGRES]] if os.environ.get(POSTGRES) else list(POSTGRES_DEFAULTS)
    errors = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            errors.append(f"{_hide(url)}: {first}")
            continue
        _postgres["url"] = url
        return url
    _postgres["error"] = "; ".join(errors)
    unavailable("PostgreSQL", POSTGRES, str(_postgres["error"]))


def _hide(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@")


def sqlalchemy_url(libpq_url: str, *, database: str, schema: str | None = None) -> str:
    """``libpq_url``'s server and user, as SQLAlchemy's psycopg 3 URL of ``database`` (and ``schema``)."""
    parts = urllib.parse.urlsplit(libpq_url)
    query = urllib.parse.urlencode({"options": f"-csearch_path={schema}"}) if schema else ""
    return urllib.parse.urlunsplit(("postgresql+psycopg", parts.netloc, f"/{database}", query, ""))


@dataclass(frozen=True)
class PostgresDatabase:
    admin: str
    """The libpq URL the database was created through."""
    name: str

    def url(self, schema: str | None = None) -> str:
        return sqlalchemy_url(self.admin, database=self.name, schema=schema)

    def new_schema(self) -> str:
        import psycopg

        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(self._database_url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return name

    def drop_schema(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self._database_url(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    def _database_url(self) -> str:
        parts = urllib.parse.urlsplit(self.admin)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))


STATE_PASSWORD = "GS_TEST_STATE_PASSWORD"
"""Where a config written by a test finds the test server's password (a config refuses one in a URL)."""


def state_toml(url: str) -> str:
    """The ``[state]`` lines of a config for the store at ``url``: a password it carries goes by reference,
    through an environment variable of this process (which the tests' subprocesses inherit)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.password is None:
        return f'url = "{url}"'
    os.environ[STATE_PASSWORD] = str(parsed.password)
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    return f'url = "{bare}"\npassword = "env:{STATE_PASSWORD}"'


def lock_session_pid(store: StateStore, mailbox: str) -> int:
    """The server process of the session holding ``mailbox``'s advisory lock (the connection a store's
    PostgreSQL locks live on: `graphsync.engine.state.locks`)."""
    import sqlalchemy as sa

    from graphsync.engine.state import locks

    key = locks.advisory_key(mailbox) & 0xFFFF_FFFF_FFFF_FFFF  # a bigint key is shown as two unsigned halves
    with store.engine.connect() as conn:
        pid = conn.execute(
            sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": key >> 32, "low": key & 0xFFFF_FFFF},
        ).scalar()
    assert pid is not None, "no session holds the mailbox's advisory lock"
    return int(pid)


def end_lock_session(store: StateStore, mailbox: str) -> None:
    """End the server session holding ``mailbox``'s advisory lock, as when a worker dies or its connection
    drops, and wait until it is gone (pg_terminate_backend only signals it)."""
    import time

    import sqlalchemy as sa

    pid = lock_session_pid(store, mailbox)
    with store.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        deadline = time.monotonic() + 10
        while conn.execute(gone, {"pid": pid}).scalar() and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """A database of this test session's own on the PostgreSQL server, dropped at the end."""
    import psycopg

    admin = postgres_admin()
    name = f"graphsync_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield PostgresDatabase(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_url(postgres_database: PostgresDatabase) -> Iterator[str]:
    """SQLAlchemy URL of an empty schema of its own for one test (``?options=-csearch_path=...``)."""
    schema = postgres_database.new_schema()
    try:
        yield postgres_database.url(schema)
    finally:
        postgres_database.drop_schema(schema)


# ---------------------------------------------------------------------- Redis


@dataclass(frozen=True)
class RedisServer:
    url: str
    prefix: str
    """The test's own key prefix (`[distributed] key_prefix`): only its keys are ever deleted."""

    def keys(self) -> list[str]:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            return sorted(k.decode() for k in client.scan_iter(match=f"{self.prefix}*", count=1000))
        finally:
            client.close()

    def delete_keys(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            for key in client.scan_iter(match=f"{self.prefix}*", count=1000):
                client.delete(key)
        finally:
            client.close()


_redis: dict[str, str] = {}


def redis_server_url() -> str:
    if "url" in _redis:
        return _redis["url"]
    if "error" in _redis:
        unavailable("Redis", REDIS, _redis["error"])
    import redis

    url = os.environ.get(REDIS) or REDIS_DEFAULT
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        _redis["error"] = f"{_hide(url)}: {exc}"
        unavailable("Redis", REDIS, _redis["error"])
    _redis["url"] = url
    return url


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """The Redis server with a key prefix of this test's own; its keys are deleted afterwards."""
    server = RedisServer(redis_server_url(), f"graphsync-test-{secrets.token_hex(6)}:")
    try:
        yield server
    finally:
        server.delete_keys()


# ---------------------------------------------------------------------- RabbitMQ


@dataclass(frozen=True)
class RabbitServer:
    url: str
    queue: str
    """A queue name of the test's own, deleted afterwards."""


@pytest.fixture
def rabbitmq_server() -> Iterator[RabbitServer]:
    """The RabbitMQ server, with a queue name of this test's own (deleted afterwards)."""
    from kombu import Connection

    url = os.environ.get(RABBITMQ) or RABBITMQ_DEFAULT
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # kombu raises the transport's own errors (socket, amqp)
        unavailable("RabbitMQ", RABBITMQ, f"{_hide(url)}: {type(exc).__name__}: {exc}")
    server = RabbitServer(url, f"graphsync-test-{secrets.token_hex(6)}")
    try:
        yield server
    finally:
        with Connection(url, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(server.queue)

"""Fixtures every test folder can use: the real PostgreSQL and Redis servers (`tests.services`)."""

from tests.services import postgres_database, postgres_url, rabbitmq_server, redis_server

__all__ = ["postgres_database", "postgres_url", "rabbitmq_server", "redis_server"]

"""The Graph client's options from a config: the ``[sync]`` containers and meeting window, the ``[graph]``
request budget and HTTP stack. The Graph client (`graphsync.graph`) knows nothing of the config: this is
where they meet."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from graphsync.config.model import GraphConfig, HttpStack, SyncConfig
from graphsync.graph import GraphMailboxOptions, RequestBudget

log = logging.getLogger("graphsync.runtime")


def network_transport(graph: GraphConfig) -> httpx.AsyncBaseTransport | None:
    """The transport that carries Graph's requests over the network, as ``[graph] http`` asks; None: httpx's
    own (the client makes it, with the environment's proxies). aiohttp's stands down for a proxy setting it
    cannot serve (a SOCKS proxy, ``ALL_PROXY``), said in the log rather than failing the run."""
    if graph.http is HttpStack.HTTPX:
        return None
    from graphsync.graph.transport import AiohttpTransport, env_needs_httpx

    reason = env_needs_httpx()
    if reason is not None:
        log.info("Graph's requests go through httpx's own transport: %s (aiohttp's serves only HTTP(S)_PROXY)", reason)
        return None
    return AiohttpTransport()


def mailbox_options(
    sync: SyncConfig,
    *,
    graph: GraphConfig | None = None,
    user_fields: tuple[str, ...] = (),
    **overrides: Any,
) -> GraphMailboxOptions:
    """The options a config's ``[sync]`` table asks for, and its ``[graph]`` request budget when ``graph`` is
    given (otherwise Graph's default); ``overrides`` for what the config does not hold (retry policy, page
    size, `BatchConcurrency`, ``create_containers`` for a dry run). ``[sync] time_zone``, when the config sets
    it, is the mailbox's zone too (else the client asks the mailbox for its own)."""
    if graph is not None and "request_budget" not in overrides:
        overrides["request_budget"] = (
            RequestBudget(graph.request_budget, graph.request_budget_seconds) if graph.request_budget else None
        )
    return GraphMailboxOptions(
        contact_folder=sync.contact_folder,
        todo_list=sync.todo_list,
        calendar=sync.calendar,
        category=sync.category,
        window_past_days=sync.window_past_days,
        window_future_days=sync.window_future_days,
        user_fields=user_fields,
        time_zone=sync.time_zone if sync.time_zone_configured else None,
        **overrides,
    )

"""``/_sandbox/...``: the control endpoint, so that tests and benchmarks can configure a sandbox that runs
in another process. No token is needed: the sandbox binds to loopback unless told otherwise.

    GET    /_sandbox/state                             users, limits, faults, what they injected, counters
    POST   /_sandbox/users                             {"userPrincipalName", "displayName"?, "timeZone"?}:
                                                       seed a user (timeZone: its mailboxSettings.timeZone)
    PUT    /_sandbox/limits                            {"concurrent", "windowRequests", "windowSeconds"}
                                                       or {"outlook": true} for Graph's own values
    PUT    /_sandbox/faults                            {"latency", "errorRate", "errorStatuses", "retryAfter",
                                                        "withoutRetryAfter", "dropRate",
                                                        "dropWhen": "before"|"after", "dropBeforeRate",
                                                        "spikeRate", "spikeSeconds", "seed",
                                                        "deltaQuirks": true|false}
    POST   /_sandbox/faults/next                       {"method", "path", "status"?, "when"?: "before"|"after",
                                                        "times"?, "code"?, "retryAfter"?}: a targeted fault
                                                       (status null or left out: the connection drops)
    POST   /_sandbox/tokens                            {"token", "userPrincipalName"?, "permissions": [...]}:
                                                       accept a token (no user: an app's), with permissions
    POST   /_sandbox/users/{upn}/invalidateDeltaTokens every delta token of that mailbox answers 410
    POST   /_sandbox/users/{upn}/move                  {"id", "destinationId"}: move a contact or event
    GET    /_sandbox/users/{upn}/requests              requests by HTTP method
    GET    /_sandbox/meetingRequests[?organizer=upn]   the meeting messages Graph would have sent
    POST   /_sandbox/resetCounters                     zero the request counters, forget meeting requests

A PUT with ``{}`` switches limits or faults off. Bad input answers 400 with what was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from graphsync.errors import GraphError
from graphsync.sandbox.state import DropWhen, Fault, Faults, InjectedFaults, Limits, MeetingRequest, SandboxState
from graphsync.sandbox.timezones import zone
from graphsync.sandbox.wire import Reply, bad_request, dumps, error_reply, fail

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ControlEndpoint:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        rest = path[len("/_sandbox") :] if path.startswith("/_sandbox") else path
        segments = [unquote(s) for s in rest.split("/") if s]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        try:
            if body is None:
                raise bad_request("The control endpoint takes a JSON object.")
            reply = self.handle(scope["method"].upper(), segments, query, body)
        except GraphError as exc:
            reply = error_reply(exc)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"" if reply.body is None else dumps(reply.body)})

    def handle(self, method: str, segments: list[str], query: dict[str, str], body: Any) -> Reply:
        state = self.state
        route = (method, *segments[:1], *(segments[2:] if len(segments) > 2 else ()))
        if (method, segments) == ("GET", ["state"]):
            return Reply(200, self.summary())
        if (method, segments) == ("POST", ["users"]):
            upn = body.get("userPrincipalName") if isinstance(body, dict) else None
            if not isinstance(upn, str) or "@" not in upn:
                raise bad_request(
                    'Expected {"userPrincipalName": "name@domain", "displayName"?: "...", "timeZone"?: "..."}.'
                )
            time_zone = body.get("timeZone")
            if time_zone is not None:
                if not isinstance(time_zone, str):
                    raise bad_request("timeZone must be a Windows or IANA time zone name.")
                zone(time_zone)
            mailbox = state.seed_user(upn, display_name=body.get("displayName"), time_zone=time_zone)
            return Reply(201, {"userPrincipalName": mailbox.upn, "id": mailbox.user_id, "timeZone": mailbox.time_zone})
        if (method, segments) == ("PUT", ["limits"]):
            state.set_limits(limits_from_json(body))
            return Reply(200, _limits_json(state.limits))
        if (method, segments) == ("PUT", ["faults"]):
            state.set_faults(faults_from_json(body))
            return Reply(200, _faults_json(state.faults))
        if (method, segments) == ("POST", ["faults", "next"]):
            fault = fault_from_json(body)
            state.fail_next(fault)
            return Reply(201, _fault_json(fault))
        if (method, segments) == ("POST", ["tokens"]):
            token, user, permissions = _grant_from_json(body)
            try:
                state.grant_token(token, user=user, permissions=permissions)
            except ValueError as exc:
                raise bad_request(f"token: {exc}.") from None
            return Reply(201, {"userPrincipalName": user, "permissions": sorted(permissions)})
        if route == ("POST", "users", "invalidateDeltaTokens") and len(segments) == 3:
            state.invalidate_delta_tokens(segments[1])
            return Reply(204)
        if route == ("POST", "users", "move") and len(segments) == 3:
            item_id, destination = (body.get("id"), body.get("destinationId")) if isinstance(body, dict) else (0, 0)
            if not isinstance(item_id, str) or not isinstance(destination, str):
                raise bad_request(
                    'Expected {"id": "<contact or event id>", "destinationId": "<folder or calendar id>"}.'
                )
            moved = state.move_item(segments[1], item_id, destination)
            return Reply(200, {"id": moved.rest_id, "immutableId": moved.key})
        if route == ("GET", "users", "requests") and len(segments) == 3:
            return Reply(200, state.request_counts(segments[1]))
        if (method, segments) == ("GET", ["meetingRequests"]):
            organizer = query.get("organizer")
            found = state.meeting_requests_for(organizer) if organizer else state.meeting_requests
            return Reply(200, {"value": [_meeting_json(m) for m in found]})
        if (method, segments) == ("POST", ["resetCounters"]):
            state.reset_counters()
            return Reply(204)
        raise fail(404, "NotFound", f"No control operation {method} /_sandbox/{'/'.join(segments)}.")

    def summary(self) -> dict[str, Any]:
        state = self.state
        return {
            "users": [{"userPrincipalName": m.upn, "id": m.user_id} for m in state.mailboxes.values()],
            "limits": _limits_json(state.limits),
            "faults": _faults_json(state.faults),
            "injected": _injected_json(state.injected),
            "batchRequests": state.batch_requests,
            "requests": {m.upn: dict(m.requests) for m in state.mailboxes.values()},
        }


def limits_from_json(body: Any) -> Limits:
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object with concurrent, windowRequests, windowSeconds.")
    if body.get("outlook") is True:
        return Limits.outlook()
    unknown = set(body) - {"concurrent", "windowRequests", "windowSeconds", "outlook"}
    if unknown:
        raise bad_request(f"Unknown limit(s) {sorted(unknown)}; known: concurrent, windowRequests, windowSeconds.")
    concurrent = _optional_int(body, "concurrent")
    window = _optional_int(body, "windowRequests")
    seconds = body.get("windowSeconds", 600.0)
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
        raise bad_request("windowSeconds must be a positive number.")
    return Limits(concurrent=concurrent, window_requests=window, window_seconds=float(seconds))


# Faults given as a share of something (0 to 1), defaulting to 0.
_SHARES = ("withoutRetryAfter", "dropBeforeRate", "spikeRate")


def faults_from_json(body: Any) -> Faults:
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object of faults.")
    known = {
        *("latency", "errorRate", "errorStatuses", "retryAfter", "dropRate", "dropWhen", "seed", "deltaQuirks"),
        *(*_SHARES, "spikeSeconds"),
    }
    unknown = set(body) - known
    if unknown:
        raise bad_request(f"Unknown fault(s) {sorted(unknown)}; known: {', '.join(sorted(known))}.")
    numbers = {}
    for name in ("latency", "errorRate", "retryAfter", "dropRate", *_SHARES, "spikeSeconds"):
        value = body.get(name, 0.0 if name != "retryAfter" else 1.0)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise bad_request(f"{name} must be a number >= 0.")
        numbers[name] = float(value)
    for name in ("errorRate", "dropRate", *_SHARES):
        if numbers[name] > 1:
            raise bad_request(f"{name} is a fraction of requests, between 0 and 1.")
    if numbers["dropRate"] + numbers["dropBeforeRate"] > 1:
        raise bad_request("dropRate and dropBeforeRate together are a fraction of requests, at most 1.")
    statuses = body.get("errorStatuses", [429, 503, 504])
    if not isinstance(statuses, list) or not statuses or any(s not in (429, 503, 504) for s in statuses):
        raise bad_request("errorStatuses must be a non-empty list of 429, 503, 504.")
    when_text = body.get("dropWhen", DropWhen.AFTER_HANDLING.value)
    try:
        when = DropWhen(when_text)
    except ValueError:
        raise bad_request("dropWhen must be 'before' or 'after'.") from None
    quirks = body.get("deltaQuirks", False)
    if not isinstance(quirks, bool):
        raise bad_request("deltaQuirks must be true or false.")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise bad_request("seed must be an integer.")
    return Faults(
        latency=numbers["latency"],
        error_rate=numbers["errorRate"],
        error_statuses=tuple(statuses),
        retry_after=numbers["retryAfter"],
        drop_rate=numbers["dropRate"],
        drop_when=when,
        seed=seed,
        delta_quirks=quirks,
        without_retry_after=numbers["withoutRetryAfter"],
        drop_before_rate=numbers["dropBeforeRate"],
        spike_rate=numbers["spikeRate"],
        spike_seconds=numbers["spikeSeconds"],
    )


def fault_from_json(body: Any) -> Fault:
    """A targeted `Fault` from the control endpoint's names."""
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object describing one targeted fault.")
    known = {"method", "path", "status", "when", "times", "code", "retryAfter"}
    unknown = set(body) - known
    if unknown:
        raise bad_request(f"Unknown field(s) {sorted(unknown)}; known: {', '.join(sorted(known))}.")
    method, path = body.get("method"), body.get("path")
    if not isinstance(method, str) or not method or not isinstance(path, str):
        raise bad_request('Expected {"method": "POST", "path": "<regular expression on the path after /v1.0>"}.')
    status, times = body.get("status"), body.get("times", 1)
    code, retry_after = body.get("code"), body.get("retryAfter")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        raise bad_request("status must be an HTTP error status (400 to 599), or null to drop the connection.")
    if not isinstance(times, int) or isinstance(times, bool):
        raise bad_request("times must be a whole number of requests, 1 or more.")
    if code is not None and not isinstance(code, str):
        raise bad_request("code must be a Graph error code (text).")
    if retry_after is not None and (not isinstance(retry_after, int | float) or isinstance(retry_after, bool)):
        raise bad_request("retryAfter must be a number of seconds.")
    try:
        when = DropWhen(body.get("when", DropWhen.BEFORE_HANDLING.value))
        return Fault(
            method=method,
            path=path,
            status=status,
            when=when,
            times=times,
            code=code,
            retry_after=None if retry_after is None else float(retry_after),
        )
    except (ValueError, re.error) as exc:
        raise bad_request(f"Not a targeted fault: {exc} (when is 'before' or 'after').") from None


def _grant_from_json(body: Any) -> tuple[str, str | None, frozenset[str]]:
    if not isinstance(body, dict) or set(body) - {"token", "userPrincipalName", "permissions"}:
        raise bad_request('Expected {"token": "...", "userPrincipalName"?: "...", "permissions": ["..."]}.')
    token, user, permissions = body.get("token"), body.get("userPrincipalName"), body.get("permissions")
    if not isinstance(token, str) or (user is not None and (not isinstance(user, str) or "@" not in user)):
        raise bad_request("token is the bearer token's text; userPrincipalName, when given, a user's UPN.")
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise bad_request('permissions is a list of Graph permission names, such as ["Contacts.ReadWrite"].')
    return token, user, frozenset(permissions)


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "method": fault.method,
        "path": fault.path,
        "status": fault.status,
        "when": fault.when.value,
        "times": fault.times,
        "code": fault.code,
        "retryAfter": fault.retry_after,
    }


def _optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"{name} must be a positive integer or null (no limit).")
    return value


def _meeting_json(request: MeetingRequest) -> dict[str, Any]:
    return {
        "organizer": request.organizer,
        "attendee": request.attendee,
        "eventId": request.event_id,
        "subject": request.subject,
        "reason": request.reason.value,
    }


def _limits_json(limits: Limits) -> dict[str, Any]:
    """The same names a PUT takes."""
    return {
        "concurrent": limits.concurrent,
        "windowRequests": limits.window_requests,
        "windowSeconds": limits.window_seconds,
    }


def _faults_json(faults: Faults) -> dict[str, Any]:
    return {
        "latency": faults.latency,
        "errorRate": faults.error_rate,
        "errorStatuses": list(faults.error_statuses),
        "retryAfter": faults.retry_after,
        "dropRate": faults.drop_rate,
        "dropWhen": faults.drop_when.value,
        "seed": faults.seed,
        "deltaQuirks": faults.delta_quirks,
        "withoutRetryAfter": faults.without_retry_after,
        "dropBeforeRate": faults.drop_before_rate,
        "spikeRate": faults.spike_rate,
        "spikeSeconds": faults.spike_seconds,
    }


def _injected_json(injected: InjectedFaults) -> dict[str, Any]:
    return {
        "httpRequests": injected.http_requests,
        "mailboxRequests": injected.mailbox_requests,
        "errors": {str(status): n for status, n in sorted(injected.errors.items())},
        "withoutRetryAfter": injected.without_retry_after,
        "drops": {when.value: injected.drops[when] for when in DropWhen},
        "spikes": injected.spikes,
        "targeted": injected.targeted,
    }

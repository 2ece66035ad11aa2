"""How a `GraphMailbox` behaves: container names, the event window, paging, concurrency, pacing and
retrying."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum

from graphsync.errors import ConfigError
from graphsync.timezones import iana_name


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long graphsync waits before sending a request again.

    Applied by graphsync itself (the SDK's RetryHandler is left out of the pipeline, see `pipeline`), so a
    request is re-sent only where graphsync knows that doing so cannot create a second copy of an item.

    ``max_attempts`` counts the first try; after it the error surfaces. A ``Retry-After`` the server sends is
    obeyed when ``honour_retry_after`` is set; without one the wait is ``base_delay * 2**(attempt-1)``
    capped at ``max_delay``, spread by up to ``jitter`` (a share of the wait) so that many mailboxes do not
    come back in step. A server asking for more than ``give_up_after`` seconds is not waited for: the
    throttling error surfaces at once, since the caller can better schedule that mailbox for later.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.25
    honour_retry_after: bool = True
    give_up_after: float = 180.0

    def __post_init__(self) -> None:
        # Fail where the value is built, naming the field, rather than at the first throttled request.
        if self.max_attempts < 1:
            raise ConfigError(
                file=None, key="retry.max_attempts", expected="1 or more (1: never retry)", got=self.max_attempts
            )
        for name in ("base_delay", "max_delay", "give_up_after"):
            if getattr(self, name) < 0:
                raise ConfigError(
                    file=None, key=f"retry.{name}", expected="seconds, 0 or more", got=getattr(self, name)
                )
        if not 0 <= self.jitter <= 1:
            raise ConfigError(file=None, key="retry.jitter", expected="a share of the wait, 0 to 1", got=self.jitter)

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` >= 1 has just failed), or None when
        the policy gives up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None and self.honour_retry_after:
            if retry_after > self.give_up_after:
                return None
            # The server's wait is a floor: never come back earlier, a small spread on top is harmless.
            return retry_after + retry_after * self.jitter * rng.random() * 0.1
        wait = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return wait * (1 - self.jitter) + wait * self.jitter * rng.random()


class BatchConcurrency(Enum):
    """How a mailbox's ``$batch`` requests share Outlook's 4 concurrent requests per app and mailbox, the two
    ways concepts/throttling-limits.md ("Outlook service limits for JSON batching") allows:

    - ``ONE_AT_A_TIME``: a batch's items are independent, Outlook runs up to 4 of them at once, so a batch
      takes up to all 4 of the mailbox's slots and one full batch is in flight at a time;
    - ``CHAINED``: each batch's items are chained with ``dependsOn`` and run one after another, so a batch
      takes one slot and up to 4 batches are in flight; an item that fails makes the rest of its chain
      fail with 424, and those are sent again.

    graphsync uses ``ONE_AT_A_TIME``: measured under the sandbox's model of the limit it is as fast or faster,
    and a failure costs only itself (docs/graph-client.md, "Batches and Outlook's concurrency limit")."""

    ONE_AT_A_TIME = "one-at-a-time"
    CHAINED = "chained"


@dataclass(frozen=True)
class RequestBudget:
    """At most ``requests`` Graph requests per mailbox in any ``seconds`` long stretch, paced by graphsync
    before sending (`graphsync.graph.budget`). Each request inside a $batch counts one, as Graph counts them.

    The default is Outlook's limit per app and mailbox (10,000 per 10 minutes). It is a courtesy floor, not
    a guarantee: other apps using the mailbox and Graph's own accounting can still bring a 429, which is
    retried as before.
    """

    requests: int = 10_000
    seconds: float = 600.0

    def __post_init__(self) -> None:
        if self.requests < 1:
            raise ConfigError(file=None, key="graph.request_budget", expected="1 or more", got=self.requests)
        if not self.seconds > 0:
            raise ConfigError(
                file=None, key="graph.request_budget_seconds", expected="seconds, more than 0", got=self.seconds
            )


@dataclass(frozen=True)
class GraphMailboxOptions:
    """Everything configurable about one mailbox's Graph client.

    ``calendar`` empty means meetings live in the user's primary calendar, the only one Graph v1.0 offers
    delta for; a name selects a dedicated calendar, tracked by listing the window each round (costlier).
    ``user_fields`` are the user-defined field names stored as extended properties (contacts, events) or
    in the open extension (tasks); each becomes one named property per mailbox, never one per record.
    ``request_budget`` paces the mailbox's requests to Graph's window; None sends as fast as
    ``max_in_flight`` allows and leaves the pacing to 429 answers. ``max_in_flight`` is Outlook's concurrent
    requests per app and mailbox (4): a $batch counts the items it runs at once (`BatchConcurrency`).
    ``window_renewal_days``: how far the primary calendar's window may fall behind the configured back-window
    before a new round over today's window starts (and how much further ahead it reaches meanwhile).
    ``time_zone`` is the zone the mailbox's user sees dates in (Windows or IANA name); None reads the mailbox's
    own (mailboxSettings.timeZone) once, which needs MailboxSettings.Read.
    """

    contact_folder: str = "Dynamics NAV"
    todo_list: str = "Dynamics NAV"
    calendar: str = ""
    category: str = "Dynamics NAV"
    window_past_days: int = 30
    window_future_days: int = 365
    window_renewal_days: int = 7
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_in_flight: int = 4
    page_size: int = 200
    batch_size: int = 20
    user_fields: tuple[str, ...] = ()
    request_budget: RequestBudget | None = field(default_factory=RequestBudget)
    create_containers: bool = True
    """False for a dry run: the folder, list and calendar are looked up by name, never created; one not there
    yet is `graphsync.graph.provision.ABSENT`, which the caller reads as an empty container."""
    batches: BatchConcurrency = BatchConcurrency.ONE_AT_A_TIME
    time_zone: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 20:
            raise ConfigError(
                file=None, key="graph.batch_size", expected="1 to 20 ($batch's limit)", got=self.batch_size
            )
        # A full $batch costs batch_size requests at once: a smaller budget could never let one through.
        if self.request_budget is not None and self.request_budget.requests < self.batch_size:
            raise ConfigError(
                file=None,
                key="graph.request_budget",
                expected=f"at least batch_size ({self.batch_size}): a $batch of k requests costs k",
                got=self.request_budget.requests,
            )
        for name in ("max_in_flight", "page_size"):
            if getattr(self, name) < 1:
                raise ConfigError(file=None, key=f"graph.{name}", expected="1 or more", got=getattr(self, name))
        for name in ("contact_folder", "todo_list", "category"):
            if not getattr(self, name).strip():
                raise ConfigError(file=None, key=f"sync.{name}", expected="a non-empty name", got=getattr(self, name))
        if self.time_zone is not None and iana_name(self.time_zone) is None:
            raise ConfigError(
                file=None, key="sync.time_zone", expected="an IANA or Windows time zone name", got=self.time_zone
            )
        if self.window_renewal_days < 0:
            raise ConfigError(
                file=None, key="graph.window_renewal_days", expected="days, 0 or more", got=self.window_renewal_days
            )
        if self.window_past_days < 0 or self.window_future_days < 1:
            raise ConfigError(
                file=None,
                key="sync.window_*_days",
                expected="past >= 0 and future >= 1 days",
                got=(self.window_past_days, self.window_future_days),
            )

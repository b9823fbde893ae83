"""Errors as data: each connector maps statuses, envelope codes and exceptions to an action.

An `ErrorTable` is one connector's table from HTTP status, envelope code or exception class to a
`Decision`: what to do (retry, refresh auth, back off for a rate limit, fail) and what kind of
failure it is (config, transient, system). The retry policy reads only decisions.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import httpx


class Action(StrEnum):
    """What the caller does next."""

    RETRY = "retry"
    REFRESH_AUTH = "refresh_auth"
    RATE_LIMITED = "rate_limited"
    FAIL = "fail"


class FailureType(StrEnum):
    """Whose fault: settings or data (config), passing trouble (transient), the remote (system)."""

    CONFIG = "config"
    TRANSIENT = "transient"
    SYSTEM = "system"


@dataclass(frozen=True)
class Decision:
    """One row of an error table. `outcome_unknown`: a write may have happened."""

    action: Action
    failure_type: FailureType
    outcome_unknown: bool = False


RETRY = Decision(Action.RETRY, FailureType.TRANSIENT)
RETRY_UNKNOWN = Decision(Action.RETRY, FailureType.TRANSIENT, outcome_unknown=True)
REFRESH = Decision(Action.REFRESH_AUTH, FailureType.TRANSIENT)
RATE_LIMITED = Decision(Action.RATE_LIMITED, FailureType.TRANSIENT)
FAIL_CONFIG = Decision(Action.FAIL, FailureType.CONFIG)
FAIL_SYSTEM = Decision(Action.FAIL, FailureType.SYSTEM)

COMMON_EXCEPTIONS: tuple[tuple[type[BaseException], Decision], ...] = (
    (httpx.ConnectError, RETRY),
    (httpx.ConnectTimeout, RETRY),
    (httpx.PoolTimeout, RETRY),
    (httpx.TimeoutException, RETRY_UNKNOWN),
    (httpx.RemoteProtocolError, RETRY_UNKNOWN),
    (httpx.ReadError, RETRY_UNKNOWN),
    (httpx.WriteError, RETRY_UNKNOWN),
    (httpx.NetworkError, RETRY_UNKNOWN),
    (ConnectionError, RETRY_UNKNOWN),
    (httpx.UnsupportedProtocol, FAIL_CONFIG),
    (httpx.InvalidURL, FAIL_CONFIG),
)


@dataclass(frozen=True)
class ErrorTable:
    """A connector's table from status, envelope code and exception to a decision."""

    by_code: Mapping[str, Decision]
    by_status: Mapping[int, Decision]
    by_exception: tuple[tuple[type[BaseException], Decision], ...] = COMMON_EXCEPTIONS
    unknown_code: Decision = FAIL_SYSTEM
    unknown_status: Decision = field(default=FAIL_SYSTEM)

    def for_code(self, code: str | None) -> Decision:
        """The decision for a business error code (HTTP 200 errors included)."""
        return self.by_code.get(code or "", self.unknown_code)

    def for_status(self, status: int) -> Decision:
        """The decision for an HTTP status with no usable envelope code."""
        if status in self.by_status:
            return self.by_status[status]
        return RETRY_UNKNOWN if status >= 500 else self.unknown_status

    def for_exception(self, exc: BaseException) -> Decision:
        """The decision for a transport exception; the first matching class wins."""
        for kind, decision in self.by_exception:
            if isinstance(exc, kind):
                return decision
        return FAIL_SYSTEM


class RemoteError(Exception):
    """A failed call to a remote system, classified. Its text never holds credentials."""

    def __init__(
        self,
        system: str,
        message: str,
        decision: Decision,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.message = message
        self.decision = decision
        self.code = code
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Whether the retry policy may try again."""
        return self.decision.action in (Action.RETRY, Action.RATE_LIMITED)

    @property
    def outcome_unknown(self) -> bool:
        """Whether the remote may have carried out the request."""
        return self.decision.outcome_unknown

    @classmethod
    def from_exception(cls, system: str, table: ErrorTable, exc: BaseException) -> "RemoteError":
        """Classify a transport exception."""
        decision = table.for_exception(exc)
        return cls(system, f"lỗi kết nối ({type(exc).__name__}: {exc})", decision)

"""Accounts and bearer tokens: login, token checks, forced expiry. Tokens are stored as hashes."""

import hashlib
import secrets
import time
from collections.abc import Callable

from mock_servers.theodoinq.config import TheodoinqMockConfig
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.store import Store


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Accounts:
    """The mock's one account and the tokens issued to it."""

    def __init__(
        self,
        store: Store,
        config: TheodoinqMockConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._config = config
        self._clock = clock

    @property
    def organisation(self) -> str:
        """The account's organisation."""
        return self._config.organisation

    def login(self, username: str, password: str) -> tuple[str, int]:
        """A new token and its lifetime in seconds; ApiError INVALID_CREDENTIALS otherwise."""
        known_user = secrets.compare_digest(
            username.encode("utf-8", "surrogateescape"), self._config.username.encode()
        )
        known_password = secrets.compare_digest(
            password.encode("utf-8", "surrogateescape"),
            self._config.password.get_secret_value().encode(),
        )
        if not (known_user and known_password):
            raise ApiError("INVALID_CREDENTIALS")
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._store.drop_expired_tokens(now)
        self._store.add_token(_hash(token), self._config.username, now + self._config.token_ttl)
        self._store.bump("logins")
        return token, self._config.token_ttl

    def account(self, authorization: str | None) -> str:
        """The account of a valid bearer token; ApiError TOKEN_EXPIRED (HTTP 401) otherwise."""
        token = _bearer_token(authorization)
        found = None if token is None else self._store.token(_hash(token))
        if found is None or found[1] <= self._clock():
            raise ApiError("TOKEN_EXPIRED", http_status=401)
        return found[0]

    def holder(self, authorization: str | None) -> str | None:
        """The account a token was issued to, expired or not (for the rate limiter), or None."""
        token = _bearer_token(authorization)
        found = None if token is None else self._store.token(_hash(token))
        return None if found is None else found[0]

    def expire(self, authorization: str | None) -> None:
        """Invalidate the bearer token of a request, if any."""
        token = _bearer_token(authorization)
        if token is not None:
            self._store.drop_token(_hash(token))

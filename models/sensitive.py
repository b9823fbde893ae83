"""Which keys name a secret (password, secret, token, authorization…), shared by every layer."""

from collections.abc import Mapping
from typing import Any

SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "api_key",
    "apikey",
    "cookie",
    "credential",
    "private_key",
)
SENSITIVE_KEYS = frozenset({"auth", "pwd", "proxy_authorization"})


def is_sensitive_key(key: str) -> bool:
    """Whether a key names a secret: password, secret, token, authorization… in any case."""
    name = key.strip().lower().replace("-", "_")
    return name in SENSITIVE_KEYS or any(part in name for part in SENSITIVE_KEY_PARTS)


def without_secrets(value: Any) -> Any:
    """VALUE with every mapping key that names a secret dropped, at any depth.

    Mappings become dicts and tuples lists; other values are returned as they are.
    """
    if isinstance(value, Mapping):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not (isinstance(key, str) and is_sensitive_key(key))
        }
    if isinstance(value, list | tuple):
        return [without_secrets(item) for item in value]
    return value

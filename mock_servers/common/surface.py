"""Which paths of a mock are its API, which are the mock's own (admin, documentation), and the
patterns the admin rules match paths with."""

import re
from typing import Annotated

from pydantic import AfterValidator

ADMIN_PREFIX = "/_admin"
DOCUMENTATION = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def is_admin(path: str) -> bool:
    """Whether PATH is under `/_admin` (the mock's test surface, not the real system's)."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def is_api(path: str) -> bool:
    """Whether PATH is the system's API: neither `/_admin` nor the API documentation."""
    return not is_admin(path) and path not in DOCUMENTATION


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    return value


PathPattern = Annotated[str, AfterValidator(_compiles)]
"""A regular expression searched in a request's path; refused when it does not compile."""

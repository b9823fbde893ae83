"""Which paths of a mock are its API, and which are the mock's own (admin, documentation)."""

ADMIN_PREFIX = "/_admin"
DOCUMENTATION = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


def is_admin(path: str) -> bool:
    """Whether PATH is under `/_admin` (the mock's test surface, not the real system's)."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def is_api(path: str) -> bool:
    """Whether PATH is the system's API: neither `/_admin` nor the API documentation."""
    return not is_admin(path) and path not in DOCUMENTATION

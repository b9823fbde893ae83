"""theodoinq's table from envelope code and HTTP status to action and failure type."""

from connectors.http.errors import (
    FAIL_CONFIG,
    FAIL_SYSTEM,
    RATE_LIMITED,
    REFRESH,
    RETRY_UNKNOWN,
    ErrorTable,
)

TABLE = ErrorTable(
    by_code={
        "INVALID_CREDENTIALS": FAIL_CONFIG,
        "FORBIDDEN": FAIL_CONFIG,
        "MISSING_CHECK_AUTH": FAIL_SYSTEM,
        "TOKEN_EXPIRED": REFRESH,
        "RATE_LIMITED": RATE_LIMITED,
        "INVALID_VALUE": FAIL_CONFIG,
        "EVIDENCE_REQUIRED": FAIL_CONFIG,
        "GRANT_LOCKED": FAIL_SYSTEM,
        "FILE_TOO_LARGE": FAIL_CONFIG,
        "UNSUPPORTED_FILE_TYPE": FAIL_CONFIG,
        "NOT_FOUND": FAIL_SYSTEM,
        "INVALID_ACTION": FAIL_SYSTEM,
    },
    by_status={
        400: FAIL_SYSTEM,
        401: REFRESH,
        403: FAIL_CONFIG,
        413: FAIL_CONFIG,
        429: RATE_LIMITED,
        500: RETRY_UNKNOWN,
        502: RETRY_UNKNOWN,
        503: RETRY_UNKNOWN,
        504: RETRY_UNKNOWN,
    },
)

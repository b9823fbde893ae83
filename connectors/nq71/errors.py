"""nq71's table from WSO2 fault, envelope code and HTTP status to action and failure type."""

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
        "900901": REFRESH,
        "900902": REFRESH,
        "900800": RATE_LIMITED,
        "THIEU_MA_DINH_DANH": FAIL_CONFIG,
        "KHONG_CO_QUYEN": FAIL_CONFIG,
        "THIEU_MINH_CHUNG": FAIL_CONFIG,
        "DU_LIEU_KHONG_HOP_LE": FAIL_CONFIG,
        "TEP_QUA_LON": FAIL_CONFIG,
        "LOAI_TEP_KHONG_HO_TRO": FAIL_CONFIG,
        "SAI_MA_BAM": FAIL_SYSTEM,
        "KHONG_TIM_THAY": FAIL_SYSTEM,
    },
    by_status={
        400: FAIL_SYSTEM,
        401: REFRESH,
        403: FAIL_CONFIG,
        429: RATE_LIMITED,
        500: RETRY_UNKNOWN,
        502: RETRY_UNKNOWN,
        503: RETRY_UNKNOWN,
        504: RETRY_UNKNOWN,
    },
)

TOKEN_REFUSED = "900901"

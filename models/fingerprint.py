"""Stable fingerprints: the sha256 of canonical JSON, so equal data always hashes equal."""

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

_MAX_EXACT_INT = 2**53


def _number(value: float | Decimal) -> int | float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("a fingerprint cannot hold NaN or infinity")
    if number.is_integer() and abs(number) < _MAX_EXACT_INT:
        return int(number)
    return number


def canonical(obj: Any) -> Any:
    """OBJ as plain JSON data: NFC strings and keys, numbers normalised (87.50 → 87.5, 2.0 → 2).

    Models become their fields, enums their values, dates ISO strings, tuples lists, and sets
    sorted lists. Raises TypeError for anything else and ValueError for NaN/infinity or two
    keys that are equal once normalised.
    """
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, Enum):
        return canonical(obj.value)
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float | Decimal):
        return _number(obj)
    if isinstance(obj, BaseModel):
        return canonical(obj.model_dump(mode="python"))
    if isinstance(obj, datetime | date | time):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return canonical(obj.as_posix())
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"fingerprint keys must be strings, not {type(key).__name__}")
            name = unicodedata.normalize("NFC", key)
            if name in out:
                raise ValueError(f"two keys are equal once normalised: {name!r}")
            out[name] = canonical(value)
        return out
    if isinstance(obj, list | tuple):
        return [canonical(item) for item in obj]
    if isinstance(obj, set | frozenset):
        return sorted((canonical(item) for item in obj), key=canonical_json)
    raise TypeError(f"cannot fingerprint a {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """The canonical JSON text of OBJ: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(
        canonical(obj),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def fingerprint(obj: Any) -> str:
    """The sha256 (hex) of OBJ's canonical JSON."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()

"""API drift on demand: a mock alters its JSON answers the way a changed remote API would.

`POST /_admin/drift` takes a `DriftPlan` and replaces the rules in force (answer: `{"rules":
[...]}`); `DELETE /_admin/drift` clears them; `GET /_admin/drift` and the mock's
`GET /_admin/state` (under `"drift"`) show them. A rule applies to a request whose path, without
the query, the regular expression `path` matches anywhere (`re.search`). Matching rules alter
the JSON answer in order, after the normal handling (gateway, fault injection and error answers
included, so envelopes and gateway faults can be targeted too). Answers that are not JSON (HTML
error pages), `/_admin` and the API documentation are never altered.

Kinds (`field` is a key of the JSON objects of the answer):

- `rename_field`, `"to": "newName"`: in every object of the answer, at any depth (the envelope
  included), the key `field` becomes `to`, keeping its place and value.
- `retype_field`, `"to": "number" | "string" | "null" | "list"`: in every object having `field`,
  its value is converted. number: `"87,5"` → 87.5, `"100"` → 100, `""` or anything not a number
  → null, true/false → 1/0; string: 87.5 → `"87,5"` (decimal comma), null → `""`, a list → its
  items joined with `,`, an object → its JSON text; null: always null; list: null → `[]`, a list
  stays, anything else → `[value]`.
- `add_field`, `"value": <json>`: `field: value` is added to (or replaces in) every payload
  object: the object under the envelope's payload key (`data` on theodoinq, `du_lieu` on nq71), or
  each object of it when it is a list; a page (an object with a `danh_sach` list) is not itself a
  payload object: each object of its `danh_sach` is.
- `add_enum_value`, `"value": <json>`: every object having `field`, at any depth, gets `value`
  there (a value the client has never seen, e.g. `"grantStatus": "ARCHIVED"`).
"""

import copy
import json
import math
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, FastAPI
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_servers.common.surface import ADMIN_PREFIX, PathPattern, is_api

DriftKind = Literal["rename_field", "retype_field", "add_field", "add_enum_value"]
JSON_TYPES = ("number", "string", "null", "list")
PAGE_LIST = "danh_sach"


class DriftRule(BaseModel):
    """One alteration of the answers of the requests whose path matches `path`."""

    model_config = ConfigDict(extra="forbid")

    path: PathPattern = Field(description="Regular expression searched in the request path.")
    kind: DriftKind
    field: str = Field(min_length=1, description="The key of the JSON objects to alter.")
    to: str | None = Field(
        default=None, description="rename_field: the new key; retype_field: the new JSON type."
    )
    value: JsonValue = Field(
        default=None, description="add_field: the value added; add_enum_value: the new value."
    )

    @model_validator(mode="after")
    def _complete(self) -> "DriftRule":
        if self.kind == "rename_field" and not self.to:
            raise ValueError("rename_field needs `to`, the new name")
        if self.kind == "retype_field" and self.to not in JSON_TYPES:
            raise ValueError(f"retype_field needs `to`, one of {', '.join(JSON_TYPES)}")
        if self.kind in ("add_field", "add_enum_value"):
            if "value" not in self.model_fields_set:
                raise ValueError(f"{self.kind} needs `value`")
            if self.to is not None:
                raise ValueError(f"{self.kind} takes no `to`")
        elif "value" in self.model_fields_set:
            raise ValueError(f"{self.kind} takes no `value`")
        return self


class DriftPlan(BaseModel):
    """The drift rules to put in force (replacing those in force)."""

    model_config = ConfigDict(extra="forbid")

    rules: list[DriftRule] = Field(default_factory=list)


class DriftEngine:
    """Holds the drift rules and says which apply to a path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[tuple[re.Pattern[str], DriftRule]] = []

    def set_plan(self, plan: DriftPlan) -> None:
        """Replace the rules in force."""
        with self._lock:
            self._rules = [(re.compile(rule.path), rule) for rule in plan.rules]

    def clear(self) -> None:
        """Remove every rule."""
        self.set_plan(DriftPlan())

    def _rules_for(self, path: str) -> list[DriftRule]:
        """The rules whose pattern matches PATH, in order."""
        with self._lock:
            return [rule for pattern, rule in self._rules if pattern.search(path)]

    def snapshot(self) -> list[dict[str, Any]]:
        """The rules in force as they were given."""
        with self._lock:
            return [rule.model_dump(exclude_unset=True) for _, rule in self._rules]


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def _payload_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _payload_objects(item)
    elif isinstance(node, dict):
        if isinstance(node.get(PAGE_LIST), list):
            yield from _payload_objects(node[PAGE_LIST])
        else:
            yield node


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value).replace(".", ",")


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _as_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(float(value))
    if isinstance(value, list):
        return ",".join(_as_string(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _retype(value: Any, to: str) -> Any:
    """VALUE converted to the JSON type TO (`number`, `string`, `null` or `list`)."""
    if to == "number":
        return _as_number(value)
    if to == "string":
        return _as_string(value)
    if to == "list":
        if value is None:
            return []
        return value if isinstance(value, list) else [value]
    return None


def _rename(obj: dict[str, Any], field: str, to: str) -> None:
    items = list(obj.items())
    obj.clear()
    for key, value in items:
        obj[to if key == field else key] = value


def _apply_rules(body: Any, rules: Sequence[DriftRule], payload_key: str) -> Any:
    """BODY (a parsed JSON answer) altered in place by RULES, in order; returned for chaining."""
    for rule in rules:
        if rule.kind == "add_field":
            payload = body.get(payload_key) if isinstance(body, dict) else None
            for obj in list(_payload_objects(payload)):
                obj[rule.field] = copy.deepcopy(rule.value)
            continue
        for obj in [o for o in _objects(body) if rule.field in o]:
            if rule.kind == "rename_field":
                _rename(obj, rule.field, rule.to or rule.field)
            elif rule.kind == "retype_field":
                obj[rule.field] = _retype(obj[rule.field], rule.to or "null")
            else:
                obj[rule.field] = copy.deepcopy(rule.value)
    return body


def _is_json(start: Message) -> bool:
    for key, value in start.get("headers", []):
        if bytes(key).lower() == b"content-type":
            return bytes(value).split(b";")[0].strip().lower() == b"application/json"
    return False


def _with_length(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if bytes(k).lower() != b"content-length"]
    headers.append((b"content-length", str(length).encode()))
    return {**start, "headers": headers}


class _DriftMiddleware:
    """ASGI middleware: rewrites the JSON answers of API requests that drift rules match."""

    def __init__(self, app: ASGIApp, engine: DriftEngine, payload_key: str) -> None:
        self.app = app
        self.engine = engine
        self.payload_key = payload_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rules = self.engine._rules_for(scope["path"]) if scope["type"] == "http" else []
        if not rules or not is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        sent = False

        async def capture(message: Message) -> None:
            nonlocal start, sent
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            sent = True
            await self._answer(start, b"".join(chunks), rules, send)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            if start is not None and not sent:
                await send(start)
            raise

    async def _answer(
        self, start: Message, body: bytes, rules: list[DriftRule], send: Send
    ) -> None:
        if _is_json(start):
            try:
                parsed = json.loads(body)
            except ValueError:
                pass
            else:
                altered = _apply_rules(parsed, rules, self.payload_key)
                body = json.dumps(altered, ensure_ascii=False, separators=(",", ":")).encode()
                start = _with_length(start, len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


def install_drift(app: FastAPI, engine: DriftEngine, payload_key: str) -> None:
    """Add the drift middleware of ENGINE and `/_admin/drift` to APP.

    PAYLOAD_KEY is the envelope's key that holds the payload (`add_field` adds to it).
    """
    app.add_middleware(_DriftMiddleware, engine=engine, payload_key=payload_key)
    router = APIRouter(prefix=ADMIN_PREFIX, tags=["drift"])

    @router.post("/drift")
    def set_drift(plan: Annotated[DriftPlan, Body()]) -> dict[str, Any]:
        """Replace the drift rules in force; answer the rules now in force."""
        engine.set_plan(plan)
        return {"rules": engine.snapshot()}

    @router.delete("/drift")
    def clear_drift() -> dict[str, Any]:
        """Remove every drift rule: answers are the system's own again."""
        engine.clear()
        return {"rules": engine.snapshot()}

    @router.get("/drift")
    def show_drift() -> dict[str, Any]:
        """The drift rules in force."""
        return {"rules": engine.snapshot()}

    app.include_router(router)

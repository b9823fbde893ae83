"""API drift detection: the shape of what each remote answers, compared with the last one recorded.

Neither remote publishes its API, so nqsync records what it sees. `shape_of` turns one JSON
answer into a `Shape`: every field path (`data[].idxValue`, `du_lieu.danh_sach[].tinh_trang`;
`[]` stands for the items of a list, `""` for the answer itself), the JSON types seen there
(`object`, `list`, `string`, `number`, `boolean`, `null`), and for the fields each system
declares enum-like (statuses, envelope codes…) the values seen. `compare` lists what changed
from an older shape as `DriftFinding`s (`field_added`, `field_removed`, `field_retyped`,
`enum_value_added`), each saying in Vietnamese what changed and whether nqsync reads or writes
the field (`used`).

Legitimate variation is not drift:

- fields under a list or object are compared only when both shapes saw that list non-empty (or
  that object): an empty page, an error answer without `data`, or a period without reports
  says nothing about the items' fields;
- a field the contract lets be null (`NULLABLE`) may be all null; a field the contract lets be
  absent (`OPTIONAL`) may be missing; a type or value seen before and not now is not a change;
- enum values the contract (or the adapter's error table) knows are never reported;
- answers of different kinds are recorded apart: a success, an error envelope (`(error)`) and
  a gateway fault (`(fault)`) of the same endpoint each have their own shape.

`ShapeRecorder` collects, during a run, the shapes of one system's answers per endpoint key
(`GET /report_api/api/rp_objidx_data`, ids in paths written `{id}`); its `check` compares them
with the shapes recorded in a `models.shapes.ShapeStore` and records the new baselines.
`USED_FIELDS` lists, per system and endpoint, the paths the adapters in `connectors/theodoinq/`
and `connectors/nq71/` read or write; keep it in step with them.

Keys are joined with `.`: a key holding `.` or `[]` would make its path ambiguous (no key of
either remote does).
"""

import json
import re
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict

from connectors.http.session import json_body
from connectors.nq71.errors import TABLE as NQ71_ERRORS
from connectors.nq71.mapping import STATUS_BY_CODE
from connectors.theodoinq.errors import TABLE as THEODOINQ_ERRORS
from models.fingerprint import canonical_json, fingerprint
from models.shapes import ShapeStore

__all__ = [
    "PROFILES",
    "USED_FIELDS",
    "DriftFinding",
    "FieldShape",
    "Shape",
    "ShapeRecorder",
    "SystemProfile",
    "answer_kind",
    "compare",
    "endpoint_key",
    "learned",
    "shape_of",
    "used_fields",
]

SHAPE_VERSION = 1
ITEMS = "[]"
NULL = "null"
FindingKind = Literal["field_added", "field_removed", "field_retyped", "enum_value_added"]
AnswerKind = Literal["ok", "error", "fault"]

TYPE_LABELS = {
    "object": "đối tượng",
    "list": "danh sách",
    "string": "chuỗi",
    "number": "số",
    "boolean": "đúng/sai",
    NULL: "rỗng (null)",
}


@dataclass(frozen=True)
class SystemProfile:
    """What nqsync knows of one remote's answers.

    Field names in `enum_fields`, `nullable`, `optional` and `known_values` are key paths
    matched against the end of a field's path, list markers ignored (`tham_dinh.ket_qua`
    matches `du_lieu.danh_sach[].tham_dinh.ket_qua`). `known_values` holds canonical JSON texts.
    `error_when` is the envelope field and value of an error answer; `fault_key` the key of a
    gateway fault. `used` maps endpoint templates to the paths the adapter reads or writes;
    `used_always` applies to every success and error answer, `used_fault` to faults.
    """

    enum_fields: tuple[str, ...] = ()
    envelope: tuple[str, ...] = ()
    known_values: Mapping[str, frozenset[str]] = field(default_factory=dict)
    nullable: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    error_when: tuple[str, Any] | None = None
    fault_key: str | None = None
    used: Mapping[str, frozenset[str]] = field(default_factory=dict)
    used_always: frozenset[str] = frozenset()
    used_fault: frozenset[str] = frozenset()


def _known(*values: Any) -> frozenset[str]:
    return frozenset(canonical_json(value) for value in values)


def _paths(*groups: Iterable[str]) -> frozenset[str]:
    return frozenset(path for group in groups for path in group)


def _under(prefix: str, *names: str) -> list[str]:
    return [f"{prefix}.{name}" for name in names]


_ROWS = "data[]"
_PAGE = "du_lieu.danh_sach[]"

THEODOINQ = SystemProfile(
    enum_fields=("status", "code", "grantStatus", "periodType", "idxType", "evalStatus"),
    envelope=("status", "code"),
    known_values={
        "status": _known("OK", "ERROR"),
        "code": _known(*THEODOINQ_ERRORS.by_code),
        "grantStatus": _known("OPEN", "SUBMITTED", "LOCKED"),
        "periodType": _known("TUAN", "THANG", "QUY"),
        "idxType": _known("GROUP", "NUMBER", "PERCENT", "TEXT"),
        "evalStatus": _known("CHUA_DANH_GIA", "DAT", "KHONG_DAT"),
    },
    nullable=frozenset({"code", "message", "data", "parentId", "updateTime", "updateUser"}),
    optional=frozenset({"evalComment"}),
    error_when=("status", "ERROR"),
    used={
        "POST /auth_api/api/login": _paths(["data", "data.accessToken"]),
        "GET /report_api/api/rp_grant": _paths(
            ["data", _ROWS],
            _under(_ROWS, "grantId", "resolution", "periodType", "fromDate", "toDate",
                   "grantStatus"),
        ),
        "GET /report_api/api/rp_objidx_data": _paths(
            ["data", _ROWS, f"{_ROWS}.fileIds[]"],
            _under(_ROWS, "idxId", "parentId", "idxOrder", "idxName", "idxType", "idxTarget",
                   "idxValue", "idxContent", "fileIds", "evalStatus", "evalComment",
                   "updateTime", "updateUser"),
        ),
        "PUT /report_api/api/rp_objidx_data": frozenset(),
        "POST /file_api/api/upload": _paths(["data", "data.fileId"]),
        "GET /file_api/api/files": _paths(["data", _ROWS, f"{_ROWS}.fileId"]),
        "GET /file_api/api/files/{id}": _paths(["data"]),
    },
    used_always=frozenset({"status", "code", "message"}),
)

NQ71 = SystemProfile(
    enum_fields=(
        "thanh_cong", "ma_loi", "tinh_trang", "tham_dinh.ket_qua", "token_type", "fault.code",
    ),
    envelope=("thanh_cong", "ma_loi", "fault.code"),
    known_values={
        "thanh_cong": _known(True, False),
        "ma_loi": _known(*(code for code in NQ71_ERRORS.by_code if not code.isdigit())),
        "tinh_trang": _known(*STATUS_BY_CODE),
        "tham_dinh.ket_qua": _known(0, 1, 2),
        "token_type": _known("Bearer"),
        "fault.code": _known(*(int(code) for code in NQ71_ERRORS.by_code if code.isdigit())),
    },
    nullable=frozenset({"du_lieu", "ma_loi", "thong_bao"}),
    optional=frozenset({"tham_dinh.y_kien"}),
    error_when=("thanh_cong", False),
    fault_key="fault",
    used={
        "POST /token": _paths(["access_token"]),
        "GET /nq71/1.0/chi-tieu": _paths(
            ["du_lieu", "du_lieu.danh_sach", _PAGE, "du_lieu.tong_so"],
            _under(_PAGE, "ma_chi_tieu", "ten_chi_tieu"),
        ),
        "GET /nq71/1.0/bao-cao": _paths(
            ["du_lieu", "du_lieu.danh_sach", _PAGE, "du_lieu.tong_so"],
            _under(_PAGE, "id", "ma_chi_tieu", "ky_bao_cao", "gia_tri_thuc_hien",
                   "ty_le_hoan_thanh", "tinh_trang", "ghi_chu", "nguoi_bao_cao",
                   "ngay_cap_nhat", "so_minh_chung"),
        ),
        "POST /nq71/1.0/bao-cao": _paths(["du_lieu", "du_lieu.id"]),
        "PUT /nq71/1.0/bao-cao/{id}": frozenset(),
        "GET /nq71/1.0/bao-cao/{id}/minh-chung": _paths(
            ["du_lieu", "du_lieu.danh_sach", _PAGE],
            _under(_PAGE, "tai_lieu_id", "tieu_de", "sha256", "tham_dinh",
                   "tham_dinh.ket_qua", "tham_dinh.y_kien"),
        ),
        "POST /nq71/1.0/bao-cao/{id}/minh-chung": frozenset(),
        "POST /nq71/1.0/tai-lieu/khoi-tao": _paths(
            ["du_lieu", "du_lieu.upload_id", "du_lieu.kich_thuoc_phan"]
        ),
        "PUT /nq71/1.0/tai-lieu/{id}/phan/{id}": frozenset(),
        "GET /nq71/1.0/tai-lieu/{id}": _paths(
            ["du_lieu", "du_lieu.da_nhan", "du_lieu.da_nhan[]", "du_lieu.hoan_tat"]
        ),
        "POST /nq71/1.0/tai-lieu/{id}/hoan-tat": _paths(["du_lieu", "du_lieu.tai_lieu_id"]),
    },
    used_always=frozenset({"thanh_cong", "ma_loi", "thong_bao"}),
    used_fault=frozenset({"fault", "fault.code", "fault.message"}),
)

PROFILES: Mapping[str, SystemProfile] = {"theodoinq": THEODOINQ, "nq71": NQ71}
"""Each remote's profile, by system name; an unknown system gets an empty profile."""

USED_FIELDS: Mapping[str, Mapping[str, frozenset[str]]] = {
    system: profile.used for system, profile in PROFILES.items()
}
"""System → endpoint template → the paths its adapter reads or writes (envelopes aside)."""


def _profile(system: str) -> SystemProfile:
    return PROFILES.get(system) or SystemProfile()


_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|TL-[0-9A-Za-z]+|[0-9a-fA-F]{16,})$"
)
_KIND_SUFFIX = re.compile(r" \((error|fault)\)$")


def endpoint_key(method: str, path: str, kind: AnswerKind = "ok") -> str:
    """`GET /nq71/1.0/bao-cao/{id}/minh-chung`: the method and path (no query), ids as `{id}`.

    Answers that are not successes get their kind appended: `… (error)`, `… (fault)`.
    """
    segments = urlsplit(path).path.split("/")
    template = "/".join("{id}" if _ID_SEGMENT.match(part) else part for part in segments)
    key = f"{method.upper()} {template}"
    return key if kind == "ok" else f"{key} ({kind})"


def answer_kind(system: str, body: Any) -> AnswerKind:
    """Whether BODY is a success, an error envelope or a gateway fault of SYSTEM."""
    profile = _profile(system)
    if not isinstance(body, dict):
        return "ok"
    if profile.fault_key and isinstance(body.get(profile.fault_key), dict):
        return "fault"
    if profile.error_when is not None:
        name, value = profile.error_when
        if name in body and canonical_json(body[name]) == canonical_json(value):
            return "error"
    return "ok"


def used_fields(system: str, endpoint: str) -> frozenset[str]:
    """The paths nqsync reads or writes in SYSTEM's answers at ENDPOINT (an `endpoint_key`)."""
    profile = _profile(system)
    match = _KIND_SUFFIX.search(endpoint)
    if match and match[1] == "fault":
        return profile.used_fault
    if match:
        return profile.used_always
    return profile.used_always | profile.used.get(endpoint, frozenset())


def _keys(path: str) -> list[str]:
    return [key for key in path.replace(ITEMS, "").split(".") if key]


def _matches(path: str, names: Iterable[str]) -> str | None:
    keys = _keys(path)
    for name in names:
        wanted = name.split(".")
        if keys[-len(wanted):] == wanted:
            return name
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parent(path: str) -> tuple[str, str] | None:
    """The path holding PATH and the type it must have there (`object` or `list`)."""
    if not path:
        return None
    if path.endswith(ITEMS):
        return path[: -len(ITEMS)], "list"
    head, _, _ = path.rpartition(".")
    return head, "object"


@dataclass(frozen=True)
class FieldShape:
    """The JSON types seen at one path and, for an enum-like field, its values (canonical JSON)."""

    types: frozenset[str]
    values: frozenset[str] = frozenset()

    def union(self, other: "FieldShape") -> "FieldShape":
        """Both together."""
        return FieldShape(self.types | other.types, self.values | other.values)


@dataclass(frozen=True)
class Shape:
    """The shape of one or more answers of SYSTEM at ENDPOINT: field path → `FieldShape`."""

    system: str
    endpoint: str
    fields: Mapping[str, FieldShape]

    def to_json(self) -> dict[str, Any]:
        """A stable JSON form (sorted, values as JSON), what `from_json` reads back."""
        return {
            "version": SHAPE_VERSION,
            "system": self.system,
            "endpoint": self.endpoint,
            "fields": {
                path: {
                    "types": sorted(shape.types),
                    "values": [json.loads(v) for v in sorted(shape.values)],
                }
                for path, shape in sorted(self.fields.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Shape":
        """The shape `to_json` wrote."""
        return cls(
            system=str(data["system"]),
            endpoint=str(data.get("endpoint", "")),
            fields={
                str(path): FieldShape(
                    frozenset(item["types"]),
                    frozenset(canonical_json(v) for v in item.get("values", [])),
                )
                for path, item in data["fields"].items()
            },
        )

    @property
    def fingerprint(self) -> str:
        """The sha256 of the fields' stable JSON form (system and endpoint aside)."""
        return fingerprint(self.to_json()["fields"])

    def union(self, other: "Shape") -> "Shape":
        """Everything either shape saw (two answers of the same endpoint)."""
        merged = dict(self.fields)
        for path, shape in other.fields.items():
            merged[path] = merged[path].union(shape) if path in merged else shape
        return Shape(self.system, self.endpoint or other.endpoint, merged)

    def values(self, path: str) -> list[Any]:
        """The enum values seen at PATH, as JSON data."""
        shape = self.fields.get(path)
        return [] if shape is None else [json.loads(v) for v in sorted(shape.values)]

    def holds(self, path: str) -> bool:
        """Whether this shape tells if PATH exists: its object was seen, or its list non-empty."""
        parent = _parent(path)
        if parent is None:
            return True
        holder, kind = parent
        shape = self.fields.get(holder)
        if shape is None or kind not in shape.types:
            return False
        return kind == "object" or path in self.fields


def shape_of(payload: Any, *, system: str, endpoint: str = "") -> Shape:
    """The shape of one JSON answer (parsed) of SYSTEM at ENDPOINT."""
    enum_fields = _profile(system).enum_fields
    types: dict[str, set[str]] = defaultdict(set)
    values: dict[str, set[str]] = defaultdict(set)
    stack: list[tuple[str, Any]] = [("", payload)]
    while stack:
        path, node = stack.pop()
        kind = _json_type(node)
        types[path].add(kind)
        if kind == "object":
            stack.extend((_child(path, str(key)), value) for key, value in node.items())
        elif kind == "list":
            stack.extend((path + ITEMS, item) for item in node)
        elif kind != NULL and _matches(path, enum_fields):
            values[path].add(canonical_json(node))
    return Shape(
        system,
        endpoint,
        {p: FieldShape(frozenset(t), frozenset(values.get(p, ()))) for p, t in types.items()},
    )


class DriftFinding(BaseModel):
    """One change of a remote's answers; `message` says it in Vietnamese for the report.

    `before`/`after` are the types (retyped, added, removed) or the enum values (values seen
    before, new values). `renamed_to` is the likely new name of a removed field (a field of the
    same types added next to it). `used`: nqsync reads or writes the field (or what it holds).
    """

    model_config = ConfigDict(frozen=True)

    system: str
    endpoint: str
    kind: FindingKind
    path: str
    used: bool
    before: list[Any] = []
    after: list[Any] = []
    renamed_to: str | None = None
    message: str


def _touches(path: str, used: Collection[str]) -> bool:
    if not path:
        return bool(used)
    return any(
        u == path or u.startswith(path + ".") or u.startswith(path + ITEMS) for u in used
    )


def _types_text(types: Iterable[str]) -> str:
    return ", ".join(TYPE_LABELS.get(t, t) for t in sorted(types))


def _value_text(value: Any) -> str:
    return f"«{value}»" if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _message(finding: DriftFinding) -> str:
    name = f"Trường «{finding.path}»" if finding.path else "Câu trả lời"
    source = f"câu trả lời của {finding.system}" + (
        f" ({finding.endpoint})" if finding.endpoint else ""
    )
    if finding.kind == "field_removed":
        text = f"{name} không còn trong {source}: đã bị đổi tên hoặc xóa"
        if finding.renamed_to:
            text += f" (có thể đã đổi tên thành «{finding.renamed_to}»)"
    elif finding.kind == "field_added":
        text = (
            f"Trường mới «{finding.path}» (kiểu {_types_text(finding.after)}) "
            f"xuất hiện trong {source}"
        )
    elif finding.kind == "field_retyped":
        text = (
            f"{name} trong {source} đã đổi kiểu dữ liệu: {_types_text(finding.before)} → "
            f"{_types_text(finding.after)}"
        )
    else:
        shown = ", ".join(_value_text(v) for v in finding.after)
        text = f"{name} trong {source} có giá trị mới chưa từng thấy: {shown}"
    use = "nqsync đọc hoặc ghi trường này" if finding.used else "nqsync không dùng trường này"
    return f"{text} — {use}."


def _finding(
    new: Shape, kind: FindingKind, path: str, used: Collection[str], **details: Any
) -> DriftFinding:
    draft = DriftFinding(
        system=new.system, endpoint=new.endpoint, kind=kind, path=path,
        used=_touches(path, used), message="", **details,
    )
    return draft.model_copy(update={"message": _message(draft)})


def _retyped(path: str, old: FieldShape, new: FieldShape, profile: SystemProfile) -> bool:
    before, after = old.types - {NULL}, new.types - {NULL}
    if not before:
        return False
    if after - before:
        return True
    return not after and _matches(path, profile.nullable) is None


def _field_change(
    path: str, before: FieldShape | None, after: FieldShape | None, profile: SystemProfile
) -> tuple[FindingKind, dict[str, Any]] | None:
    if before is None and after is not None:
        return "field_added", {"after": sorted(after.types)}
    if before is not None and after is None:
        if _matches(path, profile.optional) is not None:
            return None
        return "field_removed", {"before": sorted(before.types)}
    if before is not None and after is not None and _retyped(path, before, after, profile):
        return "field_retyped", {"before": sorted(before.types), "after": sorted(after.types)}
    return None


def compare(
    old: Shape | None, new: Shape, used_fields: Collection[str] | None = None
) -> list[DriftFinding]:
    """What changed from OLD to NEW (two shapes of one system's endpoint), by path.

    USED_FIELDS are the paths nqsync reads or writes there (default: `used_fields` of NEW's
    system and endpoint). Without OLD (nothing recorded yet) only enum values the contract does
    not know are reported.
    """
    used = used_fields if used_fields is not None else _default_used(new)
    profile = _profile(new.system)
    findings: list[DriftFinding] = []
    retyped: set[str] = set()
    if old is not None:
        for path in sorted(old.fields.keys() | new.fields.keys()):
            if not (old.holds(path) and new.holds(path)):
                continue
            change = _field_change(path, old.fields.get(path), new.fields.get(path), profile)
            if change is not None:
                kind, details = change
                findings.append(_finding(new, kind, path, used, **details))
                if kind == "field_retyped":
                    retyped.add(path)
    for path, shape in sorted(new.fields.items()):
        if not shape.values or path in retyped:
            continue
        name = _matches(path, profile.enum_fields)
        seen = old.fields[path].values if old is not None and path in old.fields else frozenset()
        known = profile.known_values.get(name or "", frozenset()) | seen
        fresh = shape.values - known
        if fresh:
            findings.append(
                _finding(new, "enum_value_added", path, used,
                         before=[json.loads(v) for v in sorted(seen)],
                         after=[json.loads(v) for v in sorted(fresh)])
            )
    return _with_renames(findings, new, used)


def _default_used(shape: Shape) -> frozenset[str]:
    return used_fields(shape.system, shape.endpoint)


def _with_renames(
    findings: list[DriftFinding], new: Shape, used: Collection[str]
) -> list[DriftFinding]:
    added = [f for f in findings if f.kind == "field_added"]
    out = []
    for finding in findings:
        if finding.kind == "field_removed":
            holder = _parent(finding.path)
            twins = [
                f.path for f in added
                if _parent(f.path) == holder and set(f.after) - {NULL} <= set(finding.before)
            ]
            if len(twins) == 1:
                finding = _finding(
                    new, "field_removed", finding.path, used,
                    before=finding.before, renamed_to=twins[0],
                )
        out.append(finding)
    return out


def learned(old: Shape | None, new: Shape, findings: Iterable[DriftFinding] = ()) -> Shape:
    """The baseline to record after NEW was compared with OLD and gave FINDINGS.

    Everything either shape saw (types and values stay known), except the fields reported
    removed and what they held.
    """
    if old is None:
        return new
    merged = old.union(new)
    gone = [f.path for f in findings if f.kind == "field_removed"]
    fields = {
        path: shape
        for path, shape in merged.fields.items()
        if not any(path == g or path.startswith((g + ".", g + ITEMS)) for g in gone)
    }
    return Shape(new.system, new.endpoint, fields)


class ShapeRecorder:
    """Collects the shapes of one system's JSON answers during a run, per endpoint key.

    Feed it every answer (`observe_response`, or `observe` with the parsed body), then `check`
    at the end of the fetch (and again at the end of the run for the answers to the writes).
    Safe to share between threads and tasks.
    """

    def __init__(self, system: str) -> None:
        self.system = system
        self._lock = threading.Lock()
        self._shapes: dict[str, Shape] = {}

    def observe(self, method: str, path: str, body: Any) -> None:
        """Record the shape of BODY, the parsed JSON answer to METHOD PATH (None: not JSON)."""
        if body is None:
            return
        key = endpoint_key(method, path, answer_kind(self.system, body))
        shape = shape_of(body, system=self.system, endpoint=key)
        with self._lock:
            known = self._shapes.get(key)
            self._shapes[key] = shape if known is None else known.union(shape)

    def observe_response(self, response: httpx.Response) -> None:
        """Record the shape of RESPONSE's JSON body; HTML and empty bodies are skipped."""
        self.observe(response.request.method, response.request.url.path, json_body(response))

    def shapes(self) -> dict[str, Shape]:
        """Endpoint key → the shape of everything it answered so far."""
        with self._lock:
            return dict(self._shapes)

    def check(
        self, store: ShapeStore, *, accept: bool = False, at: datetime | None = None
    ) -> list[DriftFinding]:
        """Compare each endpoint's shape with the one recorded in STORE; the findings.

        The shapes compared are taken out of the recorder: a later `check` sees only the
        answers observed after this one. The new baseline (`learned`) is recorded unless a
        finding touches a field nqsync uses: then the recorded shape stays, so every later run
        reports (and stops on) it again until the remote is back to it or the change is
        accepted (ACCEPT records it anyway).
        """
        with self._lock:
            taken, self._shapes = self._shapes, {}
        findings: list[DriftFinding] = []
        for key, shape in sorted(taken.items()):
            recorded = store.last(self.system, key)
            old = None if recorded is None else Shape.from_json(recorded.shape)
            found = compare(old, shape)
            if accept or not any(f.used for f in found):
                baseline = learned(old, shape, found)
                store.save(self.system, key, baseline.to_json(), baseline.fingerprint, at=at)
            findings.extend(found)
        return findings

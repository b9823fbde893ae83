from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.http.client import make_client
from connectors.http.errors import RemoteError
from connectors.http.pacing import InFlightLimit, TokenBucket
from connectors.http.retry import RetryPolicy
from connectors.nq71.adapter import Nq71Adapter
from connectors.nq71.client import Nq71Client
from connectors.shapes import (
    Shape,
    ShapeRecorder,
    compare,
    endpoint_key,
    shape_of,
    used_fields,
)
from connectors.theodoinq.adapter import TheodoinqAdapter
from connectors.theodoinq.client import TheodoinqClient
from mock_servers.nq71 import Nq71MockConfig
from mock_servers.nq71 import create_app as nq71_app
from mock_servers.theodoinq import TheodoinqMockConfig
from mock_servers.theodoinq import create_app as theodoinq_app
from models.db import make_engine
from models.ledger import Ledger
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status
from models.shapes import ApiShape, ShapeStore

PERIOD, OTHER_PERIOD = "2026-11", "2026-10"
Expected = set[tuple[str, str, bool]]


class Recording(httpx.AsyncBaseTransport):
    """Passes every request to the mock and shows each answer to a `ShapeRecorder`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, system: str) -> None:
        self.inner = inner
        self.recorder = ShapeRecorder(system)

    def restart(self) -> ShapeRecorder:
        self.recorder = ShapeRecorder(self.recorder.system)
        return self.recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.inner.handle_async_request(request)
        body = await answer.aread()
        response = httpx.Response(
            answer.status_code, headers=answer.headers, content=body, request=request
        )
        self.recorder.observe_response(response)
        return response


@dataclass
class Rig:
    """An adapter on a mock whose answers are recorded, and a raw client for `/_admin`."""

    adapter: TheodoinqAdapter | Nq71Adapter
    transport: Recording
    mock: httpx.AsyncClient
    root: Path

    async def shapes(self, periods: Sequence[str] = (PERIOD,)) -> dict[str, Shape]:
        """The shapes of one fetch of PERIODS, by endpoint key.

        On nq71 each report's attachments are read too (the adapter may skip reading those it
        has cached).
        """
        recorder = self.transport.restart()
        snapshot = await self.adapter.fetch(list(periods))
        if isinstance(self.adapter, Nq71Adapter):
            for report in snapshot.reports:
                await self.adapter.client.attachments(int(report.remote_id or 0))
        return recorder.shapes()

    async def drift(self, *rules: dict[str, Any]) -> None:
        response = await self.mock.post("/_admin/drift", json={"rules": list(rules)})
        assert response.status_code == 200, response.text


def findings(old: dict[str, Shape], new: dict[str, Shape]) -> Expected:
    """(kind, path, used) of every finding from OLD to NEW, over the endpoints both saw."""
    return {
        (f.kind, f.path, f.used)
        for key in old.keys() & new.keys()
        for f in compare(old[key], new[key])
    }


FAST = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)


def record(code: str, actual: float, status: Status, *files: EvidenceFile) -> ProgressRecord:
    return ProgressRecord(
        unit_code="VHXH", target_code=code, period=PERIOD, actual=actual,
        progress_percent=min(actual, 100), status=status, note=f"Ghi chú {code}",
        reporter="Nguyễn Văn A", evidence=files,
        source=SourceRef(file="VHXH.xlsx", sheet="Báo cáo", row=4),
    )


def sample(root: Path) -> list[ProgressRecord]:
    """Three records: in progress, in progress, and completed with a PDF as evidence."""
    content = b"%PDF-1.4\nVNeID\n%%EOF\n"
    (root / "vneid.pdf").write_bytes(content)
    proof = EvidenceFile(path="vneid.pdf", sha256=sha256(content).hexdigest(), size=len(content))
    return [
        record("1.5.17", 87.5, Status.IN_PROGRESS),
        record("1.1.1", 3, Status.IN_PROGRESS),
        record("1.5.24", 100, Status.COMPLETED, proof),
    ]


async def push(rig: Rig) -> None:
    """Write the sample records, so the remote holds values, files and review fields."""
    adapter = rig.adapter
    plan = adapter.plan(sample(rig.root), await adapter.fetch([PERIOD]))
    await adapter.apply(plan, run_id="shapes-test")


@pytest.fixture
async def theodoinq(tmp_path: Path) -> AsyncIterator[Rig]:
    app = theodoinq_app(TheodoinqMockConfig(rate=1000, burst=1000))
    transport = Recording(httpx.ASGITransport(app=app), "theodoinq")
    client = TheodoinqClient(
        make_client("http://theodoinq.test", timeout=30.0, transport=transport),
        "dp.vhxh", SecretStr("nqsync-dev-password"),
        pacer=TokenBucket(rate=200, burst=50), policy=FAST,
    )
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    adapter = TheodoinqAdapter(client, ledger, tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://theodoinq.test"
    ) as mock:
        rig = Rig(adapter, transport, mock, tmp_path)
        await push(rig)
        yield rig
    ledger.close()


@pytest.fixture
async def nq71(tmp_path: Path) -> AsyncIterator[Rig]:
    app = nq71_app(Nq71MockConfig(seed=7))
    transport = Recording(httpx.ASGITransport(app=app), "nq71")
    client = Nq71Client(
        make_client("http://nq71.test", timeout=30.0, transport=transport),
        "nqsync-dev-client", SecretStr("nqsync-dev-secret"), "26491", "000.00.32.H19",
        pacer=InFlightLimit(4), policy=FAST,
    )
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    adapter = Nq71Adapter(client, ledger, tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://nq71.test"
    ) as mock:
        rig = Rig(adapter, transport, mock, tmp_path)
        await push(rig)
        yield rig
    ledger.close()


ROWS, GRANTS = "rp_objidx_data$", "rp_grant$"

THEODOINQ_DRIFTS: dict[str, tuple[dict[str, Any], Expected]] = {
    "rename a value nqsync writes": (
        {"path": ROWS, "kind": "rename_field", "field": "idxValue", "to": "value"},
        {("field_removed", "data[].idxValue", True), ("field_added", "data[].value", False)},
    ),
    "retype a value to number": (
        {"path": ROWS, "kind": "retype_field", "field": "idxValue", "to": "number"},
        {("field_retyped", "data[].idxValue", True)},
    ),
    "retype a value to null": (
        {"path": ROWS, "kind": "retype_field", "field": "idxValue", "to": "null"},
        {("field_retyped", "data[].idxValue", True)},
    ),
    "retype the file list to a string": (
        {"path": ROWS, "kind": "retype_field", "field": "fileIds", "to": "string"},
        {("field_retyped", "data[].fileIds", True)},
    ),
    "add a field to every grant": (
        {"path": GRANTS, "kind": "add_field", "field": "unitCode", "value": {"ma": 1}},
        {("field_added", "data[].unitCode", False)},
    ),
    "add a grant status": (
        {"path": GRANTS, "kind": "add_enum_value", "field": "grantStatus", "value": "ARCHIVED"},
        {("enum_value_added", "data[].grantStatus", True)},
    ),
    "add a review status": (
        {"path": ROWS, "kind": "add_enum_value", "field": "evalStatus", "value": "CHO_DUYET"},
        {("enum_value_added", "data[].evalStatus", True)},
    ),
    "rename a field nqsync ignores": (
        {"path": ROWS, "kind": "rename_field", "field": "idxCode", "to": "uuid"},
        {("field_removed", "data[].idxCode", False), ("field_added", "data[].uuid", False)},
    ),
}

REPORTS, INDICATORS, ATTACHMENTS = "bao-cao$", "chi-tieu$", "minh-chung$"
PAGE = "du_lieu.danh_sach[]"

NQ71_DRIFTS: dict[str, tuple[dict[str, Any], Expected]] = {
    "rename a value nqsync writes": (
        {"path": REPORTS, "kind": "rename_field", "field": "gia_tri_thuc_hien", "to": "gia_tri"},
        {
            ("field_removed", f"{PAGE}.gia_tri_thuc_hien", True),
            ("field_added", f"{PAGE}.gia_tri", False),
        },
    ),
    "retype the status to a string": (
        {"path": REPORTS, "kind": "retype_field", "field": "tinh_trang", "to": "string"},
        {("field_retyped", f"{PAGE}.tinh_trang", True)},
    ),
    "retype the evidence count": (
        {"path": REPORTS, "kind": "retype_field", "field": "so_minh_chung", "to": "string"},
        {("field_retyped", f"{PAGE}.so_minh_chung", True)},
    ),
    "add a field to every report": (
        {"path": REPORTS, "kind": "add_field", "field": "ma_tinh", "value": "75"},
        {("field_added", f"{PAGE}.ma_tinh", False)},
    ),
    "add a report status": (
        {"path": REPORTS, "kind": "add_enum_value", "field": "tinh_trang", "value": 5},
        {("enum_value_added", f"{PAGE}.tinh_trang", True)},
    ),
    "add a review result": (
        {"path": ATTACHMENTS, "kind": "add_enum_value", "field": "ket_qua", "value": 3},
        {("enum_value_added", f"{PAGE}.tham_dinh.ket_qua", True)},
    ),
    "rename a field nqsync ignores": (
        {"path": INDICATORS, "kind": "rename_field", "field": "han_hoan_thanh", "to": "han"},
        {("field_removed", f"{PAGE}.han_hoan_thanh", False), ("field_added", f"{PAGE}.han", False)},
    ),
}


@pytest.mark.parametrize("case", list(THEODOINQ_DRIFTS))
async def test_each_theodoinq_drift_kind_gives_its_finding(theodoinq: Rig, case: str) -> None:
    """Each drift switched on at the theodoinq mock yields exactly its finding and `used` flag."""
    rule, expected = THEODOINQ_DRIFTS[case]
    before = await theodoinq.shapes()
    await theodoinq.drift(rule)
    assert findings(before, await theodoinq.shapes()) == expected


@pytest.mark.parametrize("case", list(NQ71_DRIFTS))
async def test_each_nq71_drift_kind_gives_its_finding(nq71: Rig, case: str) -> None:
    """Each drift switched on at the nq71 mock yields exactly its finding and `used` flag."""
    rule, expected = NQ71_DRIFTS[case]
    before = await nq71.shapes()
    await nq71.drift(rule)
    assert findings(before, await nq71.shapes()) == expected


async def test_no_finding_when_nothing_changed_on_theodoinq(theodoinq: Rig) -> None:
    """The same period again, and a month nobody filled in, give no finding either way."""
    filled = await theodoinq.shapes()
    assert findings(filled, await theodoinq.shapes()) == set()
    empty = await theodoinq.shapes([OTHER_PERIOD])
    assert findings(filled, empty) == set() and findings(empty, filled) == set()
    assert filled["GET /report_api/api/rp_objidx_data"].fields["data[].fileIds[]"].types == {
        "string"
    }
    assert "data[].fileIds[]" not in empty["GET /report_api/api/rp_objidx_data"].fields


async def test_no_finding_across_nq71_periods_and_pages(nq71: Rig) -> None:
    """A period without reports (an empty list) and other pages of a list give no finding."""
    filled = await nq71.shapes()
    empty = await nq71.shapes([OTHER_PERIOD])
    assert f"{PAGE}.tinh_trang" in filled["GET /nq71/1.0/bao-cao"].fields
    assert f"{PAGE}.tinh_trang" not in empty["GET /nq71/1.0/bao-cao"].fields
    assert findings(filled, empty) == set() and findings(empty, filled) == set()
    assert isinstance(nq71.adapter, Nq71Adapter)
    session = nq71.adapter.client.session
    pages = []
    for page in (1, 3, 4):
        recorder = nq71.transport.restart()
        await session.request(
            "GET", "/nq71/1.0/chi-tieu",
            params={"ma_don_vi": "26491", "trang": page, "so_dong": 20},
        )
        pages.append(recorder.shapes()["GET /nq71/1.0/chi-tieu"])
    full, partial, beyond = pages
    assert compare(full, partial) == [] and compare(partial, full) == []
    assert compare(full, beyond) == [] and compare(beyond, full) == []


async def test_envelope_drift_is_seen_even_when_the_fetch_fails(theodoinq: Rig) -> None:
    """A renamed envelope field breaks the fetch, and the recorded answers still show why."""
    before = await theodoinq.shapes()
    await theodoinq.drift({"path": GRANTS, "kind": "rename_field", "field": "status", "to": "tt"})
    recorder = theodoinq.transport.restart()
    with pytest.raises(RemoteError):
        await theodoinq.adapter.fetch([PERIOD])
    assert findings(before, recorder.shapes()) == {
        ("field_removed", "status", True),
        ("field_added", "tt", False),
    }


async def test_error_and_fault_answers_are_kept_apart(nq71: Rig, theodoinq: Rig) -> None:
    """A gateway fault or an error envelope is recorded under its own key, not as drift."""
    async with httpx.AsyncClient(transport=nq71.transport, base_url="http://nq71.test") as raw:
        recorder = nq71.transport.restart()
        await raw.get("/nq71/1.0/bao-cao", headers={"Authorization": "Bearer nope"})
    assert list(recorder.shapes()) == ["GET /nq71/1.0/bao-cao (fault)"]
    fault = recorder.shapes()["GET /nq71/1.0/bao-cao (fault)"]
    assert fault.values("fault.code") == [900901]
    async with httpx.AsyncClient(
        transport=theodoinq.transport, base_url="http://theodoinq.test"
    ) as raw:
        recorder = theodoinq.transport.restart()
        await raw.post("/auth_api/api/login", json={"username": "dp.vhxh", "password": "sai"})
    refused = recorder.shapes()["POST /auth_api/api/login (error)"]
    assert refused.values("code") == ["INVALID_CREDENTIALS"]
    assert refused.values("status") == ["ERROR"]
    assert compare(None, refused) == []


def saved(engine: Engine, system: str, endpoint: str) -> list[str]:
    """The fingerprints of the shapes saved for (system, endpoint), oldest first."""
    statement = (
        select(ApiShape.fingerprint)
        .where(ApiShape.system == system, ApiShape.endpoint == endpoint)
        .order_by(col(ApiShape.id))
    )
    with Session(engine) as session:
        return list(session.exec(statement))


async def test_recorder_check_records_baselines_and_reports_changes(
    theodoinq: Rig, tmp_path: Path
) -> None:
    """check(): first run records, a harmless change is reported once, a used one every run
    until accepted; what was checked is not checked again."""
    engine = make_engine(f"sqlite:///{tmp_path / 'shapes.db'}")
    store = ShapeStore(engine)
    key = "GET /report_api/api/rp_objidx_data"

    async def run(accept: bool = False) -> set[tuple[str, str, bool]]:
        recorder = theodoinq.transport.restart()
        await theodoinq.adapter.fetch([PERIOD])
        return {(f.kind, f.path, f.used) for f in recorder.check(store, accept=accept)}

    assert await run() == set()
    first = store.last("theodoinq", key)
    assert first is not None
    assert await run() == set()
    assert len(saved(engine, "theodoinq", key)) == 1
    assert theodoinq.transport.recorder.shapes() == {}
    assert theodoinq.transport.recorder.check(store) == []
    await theodoinq.drift({"path": ROWS, "kind": "add_field", "field": "ghiChu", "value": ""})
    assert await run() == {("field_added", "data[].ghiChu", False)}
    assert await run() == set()
    await theodoinq.drift(
        {"path": ROWS, "kind": "add_field", "field": "ghiChu", "value": ""},
        {"path": ROWS, "kind": "rename_field", "field": "idxContent", "to": "noiDung"},
    )
    renamed = {
        ("field_removed", "data[].idxContent", True),
        ("field_added", "data[].noiDung", False),
    }
    assert await run() == renamed
    assert await run() == renamed
    assert await run(accept=True) == renamed
    assert await run() == set()
    assert len(saved(engine, "theodoinq", key)) == 3
    engine.dispose()


async def test_removed_field_names_its_likely_new_name_in_vietnamese(nq71: Rig) -> None:
    """A rename reads as removed (used) with the likely new name, in Vietnamese, NFC."""
    before = await nq71.shapes()
    await nq71.drift(NQ71_DRIFTS["rename a value nqsync writes"][0])
    key = "GET /nq71/1.0/bao-cao"
    [added, removed] = compare(before[key], (await nq71.shapes())[key])
    assert removed.renamed_to == f"{PAGE}.gia_tri" and added.renamed_to is None
    assert removed.message == (
        f"Trường «{PAGE}.gia_tri_thuc_hien» không còn trong câu trả lời của nq71 ({key}): "
        f"đã bị đổi tên hoặc xóa (có thể đã đổi tên thành «{PAGE}.gia_tri») "
        "— nqsync đọc hoặc ghi trường này."
    )
    assert added.message.startswith(f"Trường mới «{PAGE}.gia_tri» (kiểu chuỗi)")


def test_shape_of_a_contract_answer() -> None:
    """Paths, types and enum values of the contract's report list; the form round-trips."""
    answer = {
        "thanh_cong": True, "ma_loi": None, "thong_bao": None,
        "du_lieu": {
            "danh_sach": [
                {"id": 1234, "ma_chi_tieu": "CT07", "gia_tri_thuc_hien": "87,5",
                 "tinh_trang": 2, "tham_dinh": {"ket_qua": 0, "y_kien": ""}},
                {"id": 1235, "ma_chi_tieu": "CT08", "gia_tri_thuc_hien": "",
                 "tinh_trang": 3, "tham_dinh": {"ket_qua": 1, "y_kien": "Đạt"}},
            ],
            "tong_so": 2, "trang": 1, "so_dong": 50,
        },
    }
    shape = shape_of(answer, system="nq71", endpoint="GET /nq71/1.0/bao-cao")
    assert shape.fields[f"{PAGE}.tinh_trang"].types == {"number"}
    assert shape.values(f"{PAGE}.tinh_trang") == [2, 3]
    assert shape.values(f"{PAGE}.tham_dinh.ket_qua") == [0, 1]
    assert shape.values(f"{PAGE}.ma_chi_tieu") == []
    assert shape.fields["ma_loi"].types == {"null"}
    assert shape.values("thanh_cong") == [True]
    assert Shape.from_json(shape.to_json()) == shape
    reordered = {**answer, "du_lieu": {**answer["du_lieu"]}}
    reordered["du_lieu"]["danh_sach"] = list(reversed(answer["du_lieu"]["danh_sach"]))
    assert shape_of(reordered, system="nq71").fingerprint == shape.fingerprint
    answer["du_lieu"]["danh_sach"][0]["tinh_trang"] = "2"
    assert shape_of(answer, system="nq71").fingerprint != shape.fingerprint


def test_contract_nullable_and_optional_fields_are_no_false_alarm() -> None:
    """updateTime all null, evalComment absent: no finding; idxValue all null: retyped."""
    row = {"idxId": 1, "idxValue": "87,5", "evalComment": "", "updateTime": "27/11/2026 14:05:00"}
    old = shape_of({"status": "OK", "code": None, "data": [row]}, system="theodoinq")
    quiet = {"idxId": 2, "idxValue": "", "updateTime": None}
    assert compare(old, shape_of({"status": "OK", "code": None, "data": [quiet]},
                                 system="theodoinq")) == []
    nulled = {**quiet, "idxValue": None}
    [finding] = compare(old, shape_of({"status": "OK", "code": None, "data": [nulled]},
                                      system="theodoinq"))
    assert (finding.kind, finding.path, finding.before, finding.after) == (
        "field_retyped", "data[].idxValue", ["string"], ["null"]
    )


def test_without_a_recorded_shape_only_unknown_enum_values_are_reported() -> None:
    """A first answer is compared with the contract: only values it does not know show."""
    answer = {"status": "OK", "code": None, "data": [
        {"grantId": 1, "grantStatus": "OPEN", "periodType": "THANG"},
        {"grantId": 2, "grantStatus": "ARCHIVED", "periodType": "NAM"},
    ]}
    shape = shape_of(answer, system="theodoinq", endpoint="GET /report_api/api/rp_grant")
    assert {(f.kind, f.path, tuple(f.after), f.used) for f in compare(None, shape)} == {
        ("enum_value_added", "data[].grantStatus", ("ARCHIVED",), True),
        ("enum_value_added", "data[].periodType", ("NAM",), True),
    }


def test_endpoint_keys_and_used_fields() -> None:
    """Ids in paths become {id}, queries are dropped; error and fault keys use the envelope."""
    assert endpoint_key("get", "/nq71/1.0/bao-cao/1002/minh-chung?trang=1") == (
        "GET /nq71/1.0/bao-cao/{id}/minh-chung"
    )
    assert endpoint_key(
        "PUT", "/nq71/1.0/tai-lieu/39b8a96a-6887-4606-b057-cf6a1efd1616/phan/0"
    ) == "PUT /nq71/1.0/tai-lieu/{id}/phan/{id}"
    assert endpoint_key("GET", "/file_api/api/files/TL-32882461DE694802", "error") == (
        "GET /file_api/api/files/{id} (error)"
    )
    reports = used_fields("nq71", "GET /nq71/1.0/bao-cao")
    assert f"{PAGE}.gia_tri_thuc_hien" in reports and "thanh_cong" in reports
    assert f"{PAGE}.trang" not in reports
    assert used_fields("nq71", "GET /nq71/1.0/bao-cao (fault)") == {
        "fault", "fault.code", "fault.message"
    }
    assert used_fields("theodoinq", "PUT /report_api/api/rp_objidx_data (error)") == {
        "status", "code", "message"
    }


def test_shape_store_keeps_one_row_per_distinct_shape(tmp_path: Path) -> None:
    """save() adds a row for a new fingerprint, else moves seen_at; last() is the newest."""
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    store = ShapeStore(engine)
    assert store.last("nq71", "GET /token") is None
    t1, t2, t3 = (datetime(2026, 11, day, tzinfo=UTC) for day in (1, 2, 3))
    store.save("nq71", "GET /token", {"a": 1}, "f1", at=t1)
    again = store.save("nq71", "GET /token", {"a": 1}, "f1", at=t2)
    assert (again.first_seen_at, again.seen_at) == (t1, t2)
    store.save("nq71", "GET /token", {"a": 2}, "f2", at=t3)
    last = store.last("nq71", "GET /token")
    assert last is not None and (last.shape, last.fingerprint, last.seen_at) == ({"a": 2}, "f2", t3)
    assert saved(engine, "nq71", "GET /token") == ["f1", "f2"]
    assert store.last("theodoinq", "GET /token") is None
    engine.dispose()

"""API drift on both mocks: `/_admin/drift` alters the JSON answers as a changed remote would."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from nq71_mock_support import BASE, CLIENT_ID, CLIENT_SECRET, Nq71, open_nq71, report_body
from theodoinq_support import (
    GRANTS,
    LOGIN,
    PASSWORD,
    USERNAME,
    client_for,
    login,
    monthly_grants,
    new_app,
    report,
    row_at,
    save,
    with_changes,
)

from mock_servers.common.drift import _retype


class Theodoinq:
    """A logged-in client of a fresh theodoinq mock, with one monthly grant at hand."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], grant_id: int) -> None:
        self.client = client
        self.headers = headers
        self.grant_id = grant_id

    async def drift(self, *rules: dict[str, Any]) -> httpx.Response:
        return await self.client.post("/_admin/drift", json={"rules": list(rules)})

    async def rows(self) -> list[dict[str, Any]]:
        return await report(self.client, self.headers, self.grant_id)

    async def grants(self) -> list[dict[str, Any]]:
        response = await self.client.get(GRANTS, params={"year": 2026}, headers=self.headers)
        grants: list[dict[str, Any]] = response.json()["data"]
        return grants


@pytest.fixture
async def theodoinq() -> AsyncIterator[Theodoinq]:
    async with client_for(new_app()) as client:
        headers = await login(client)
        grant_id = (await monthly_grants(client, headers))[11]
        yield Theodoinq(client, headers, grant_id)


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


async def nq71_drift(nq71: Nq71, *rules: dict[str, Any]) -> httpx.Response:
    return await nq71.http.post("/_admin/drift", json={"rules": list(rules)})


async def test_theodoinq_rename_field_renames_in_place_on_matching_paths_only(
    theodoinq: Theodoinq,
) -> None:
    """rename_field: every row's idxValue becomes `value`, same place and value; grants untouched;
    DELETE restores the system's own answers."""
    before = await theodoinq.rows()
    grants_before = await theodoinq.grants()
    rule = {"path": "rp_objidx_data$", "kind": "rename_field", "field": "idxValue", "to": "value"}
    assert (await theodoinq.drift(rule)).json() == {"rules": [rule]}
    after = await theodoinq.rows()
    assert [list(r) for r in after] == [
        ["value" if key == "idxValue" else key for key in r] for r in before
    ]
    assert [r["value"] for r in after] == [r["idxValue"] for r in before]
    assert await theodoinq.grants() == grants_before
    assert (await theodoinq.client.delete("/_admin/drift")).json() == {"rules": []}
    assert await theodoinq.rows() == before


async def test_theodoinq_retype_field_converts_values(theodoinq: Theodoinq) -> None:
    """retype_field to number: "87,5" → 87.5 and "" → null, in every row."""
    rows = await theodoinq.rows()
    target = row_at(rows, "1.5.17")["idxId"]
    saved = await save(
        theodoinq.client,
        theodoinq.headers,
        theodoinq.grant_id,
        with_changes(rows, {target: {"idxValue": "87,5"}}),
    )
    assert saved.json()["status"] == "OK"
    await theodoinq.drift(
        {"path": "rp_objidx_data", "kind": "retype_field", "field": "idxValue", "to": "number"}
    )
    drifted = await theodoinq.rows()
    assert row_at(drifted, "1.5.17")["idxValue"] == 87.5
    assert {r["idxValue"] for r in drifted if r["idxId"] != target} == {None}


async def test_theodoinq_add_field_adds_to_every_payload_object_only(
    theodoinq: Theodoinq,
) -> None:
    """add_field: each grant of `data` gets the field; the envelope does not."""
    await theodoinq.drift(
        {"path": "rp_grant", "kind": "add_field", "field": "unitCode", "value": {"ma": 1}}
    )
    response = await theodoinq.client.get(
        GRANTS, params={"year": 2026}, headers=theodoinq.headers
    )
    body = response.json()
    assert set(body) == {"status", "code", "message", "data"}
    assert body["data"] and all(g["unitCode"] == {"ma": 1} for g in body["data"])


async def test_theodoinq_add_enum_value_sets_the_new_value(theodoinq: Theodoinq) -> None:
    """add_enum_value: every grant's grantStatus becomes the new value; other fields stay."""
    before = await theodoinq.grants()
    await theodoinq.drift(
        {"path": "rp_grant", "kind": "add_enum_value", "field": "grantStatus", "value": "ARCHIVED"}
    )
    after = await theodoinq.grants()
    assert after == [{**g, "grantStatus": "ARCHIVED"} for g in before]


async def test_theodoinq_envelope_and_error_answers_can_drift(theodoinq: Theodoinq) -> None:
    """Envelope fields can be targeted, on success and on error answers alike."""
    await theodoinq.drift(
        {"path": "login", "kind": "rename_field", "field": "status", "to": "trangThai"},
        {"path": "login", "kind": "retype_field", "field": "code", "to": "string"},
    )
    ok = await theodoinq.client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
    assert set(ok.json()) == {"trangThai", "code", "message", "data"}
    assert (ok.json()["trangThai"], ok.json()["code"]) == ("OK", "")
    refused = await theodoinq.client.post(LOGIN, json={"username": USERNAME, "password": "x"})
    assert refused.json()["trangThai"] == "ERROR"
    assert refused.json()["code"] == "INVALID_CREDENTIALS"
    assert int(refused.headers["content-length"]) == len(refused.content)


async def test_theodoinq_admin_and_html_answers_never_drift(theodoinq: Theodoinq) -> None:
    """Rules matching every path leave /_admin and HTML error pages alone; state shows them."""
    rule = {"path": ".*", "kind": "rename_field", "field": "grants", "to": "x"}
    other = {"path": ".*", "kind": "add_field", "field": "extra", "value": None}
    await theodoinq.drift(rule, other)
    state = (await theodoinq.client.get("/_admin/state")).json()
    assert "grants" in state and state["drift"] == [rule, other]
    await theodoinq.client.post(
        "/_admin/faults", json={"rules": [{"path": "rp_grant", "fault": "http_500"}]}
    )
    page = await theodoinq.client.get(GRANTS, headers=theodoinq.headers)
    assert page.status_code == 500 and page.text.startswith("<html>")
    await theodoinq.client.post("/_admin/reset")
    assert (await theodoinq.client.get("/_admin/state")).json()["drift"] == []


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "x", "kind": "rename_field", "field": "a"},
        {"path": "x", "kind": "retype_field", "field": "a", "to": "date"},
        {"path": "x", "kind": "add_field", "field": "a"},
        {"path": "x", "kind": "add_enum_value", "field": "a", "to": "b", "value": 1},
        {"path": "(", "kind": "add_field", "field": "a", "value": 1},
        {"path": "x", "kind": "drop_field", "field": "a"},
    ],
)
async def test_incomplete_rules_are_refused(theodoinq: Theodoinq, rule: dict[str, Any]) -> None:
    """A rule missing what its kind needs, or of an unknown kind, is refused; none is kept."""
    response = await theodoinq.drift(rule)
    assert response.status_code == 400
    assert (await theodoinq.client.get("/_admin/drift")).json() == {"rules": []}


async def test_nq71_rename_field_on_page_items(nq71: Nq71) -> None:
    """rename_field: ten_chi_tieu becomes `ten` in every indicator; the page keeps its keys."""
    before = await nq71.ok("GET", "/chi-tieu")
    rule = {"path": "/chi-tieu$", "kind": "rename_field", "field": "ten_chi_tieu", "to": "ten"}
    assert (await nq71_drift(nq71, rule)).json() == {"rules": [rule]}
    after = await nq71.ok("GET", "/chi-tieu")
    assert set(after) == {"danh_sach", "tong_so", "trang", "so_dong"}
    titles = [i["ten_chi_tieu"] for i in before["danh_sach"]]
    assert [i["ten"] for i in after["danh_sach"]] == titles
    assert all("ten_chi_tieu" not in i for i in after["danh_sach"])


async def test_nq71_retype_field_converts_decimal_comma_strings(nq71: Nq71) -> None:
    """retype_field to number on reports: "87,5" → 87.5, "" → null."""
    await nq71.create_report(gia_tri_thuc_hien="87,5", ty_le_hoan_thanh="")
    await nq71_drift(
        nq71,
        {"path": "bao-cao", "kind": "retype_field", "field": "gia_tri_thuc_hien", "to": "number"},
        {"path": "bao-cao", "kind": "retype_field", "field": "ty_le_hoan_thanh", "to": "number"},
    )
    (listed,) = (await nq71.ok("GET", "/bao-cao"))["danh_sach"]
    assert (listed["gia_tri_thuc_hien"], listed["ty_le_hoan_thanh"]) == (87.5, None)


async def test_nq71_add_field_goes_into_each_item_not_the_page(nq71: Nq71) -> None:
    """add_field: every item of `danh_sach` gets the field; the page object and envelope do not."""
    await nq71_drift(
        nq71, {"path": "chi-tieu", "kind": "add_field", "field": "nhom", "value": "CDS"}
    )
    body = (await nq71.call("GET", "/chi-tieu")).json()
    assert set(body) == {"thanh_cong", "du_lieu", "ma_loi", "thong_bao"}
    assert "nhom" not in body["du_lieu"]
    assert len(body["du_lieu"]["danh_sach"]) == 44
    assert all(item["nhom"] == "CDS" for item in body["du_lieu"]["danh_sach"])


async def test_nq71_add_field_on_a_single_object_payload(nq71: Nq71) -> None:
    """add_field: a payload that is one object (a created report's id) gets the field."""
    await nq71_drift(
        nq71, {"path": "bao-cao$", "kind": "add_field", "field": "phien_ban", "value": 2}
    )
    created = await nq71.ok("POST", "/bao-cao", json=report_body())
    assert set(created) == {"id", "phien_ban"} and created["phien_ban"] == 2


async def test_nq71_add_enum_value_on_status(nq71: Nq71) -> None:
    """add_enum_value: every report's tinh_trang becomes the new code 9."""
    await nq71.create_report()
    await nq71_drift(
        nq71, {"path": "bao-cao", "kind": "add_enum_value", "field": "tinh_trang", "value": 9}
    )
    (listed,) = (await nq71.ok("GET", "/bao-cao"))["danh_sach"]
    assert listed["tinh_trang"] == 9
    assert (await nq71.state())["reports"][0]["tinh_trang"] == 2


async def test_nq71_gateway_faults_and_token_answers_can_drift(nq71: Nq71) -> None:
    """A WSO2 fault and the token answer are JSON answers too: fields can be renamed/retyped."""
    await nq71_drift(
        nq71,
        {"path": ".*", "kind": "rename_field", "field": "fault", "to": "loi"},
        {"path": "^/token$", "kind": "retype_field", "field": "expires_in", "to": "string"},
    )
    refused = await nq71.http.get(f"{BASE}/chi-tieu")
    assert refused.status_code == 401 and refused.json()["loi"]["code"] == 900901
    token = await nq71.http.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert token.json()["expires_in"] == "3600"


async def test_nq71_reset_clears_drift_and_state_shows_it(nq71: Nq71) -> None:
    """The rules in force show in /_admin/state; /_admin/reset clears them."""
    rule = {"path": "chi-tieu", "kind": "add_field", "field": "x", "value": [1, 2]}
    await nq71_drift(nq71, rule)
    assert (await nq71.state())["drift"] == [rule]
    assert (await nq71.http.post("/_admin/reset")).status_code == 200
    assert (await nq71.state())["drift"] == []
    nq71.token = await nq71.fetch_token()
    assert "x" not in (await nq71.ok("GET", "/chi-tieu"))["danh_sach"][0]


async def test_nq71_bad_rule_is_refused(nq71: Nq71) -> None:
    """A retype to an unknown type is refused with 422."""
    response = await nq71_drift(
        nq71, {"path": "x", "kind": "retype_field", "field": "a", "to": "integer"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("value", "to", "expected"),
    [
        ("87,5", "number", 87.5),
        ("100", "number", 100),
        ("", "number", None),
        ("n/a", "number", None),
        (True, "number", 1),
        (87.5, "string", "87,5"),
        (100, "string", "100"),
        (None, "string", ""),
        (["a", "b"], "string", "a,b"),
        ({"k": "v"}, "string", '{"k": "v"}'),
        ("x", "null", None),
        (None, "list", []),
        ("x", "list", ["x"]),
        (["x"], "list", ["x"]),
    ],
)
def test_retype_conversions(value: Any, to: str, expected: Any) -> None:
    """Each JSON type conversion as documented."""
    assert _retype(value, to) == expected

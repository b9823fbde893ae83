"""nq71 mock, reports: no idempotency, validation, THIEU_MINH_CHUNG, full replacement, filters."""

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from nq71_mock_support import Nq71, assert_error, open_nq71, pdf, report_body

EXPECTED_FIELDS = {
    "id",
    "ma_chi_tieu",
    "ky_bao_cao",
    "gia_tri_thuc_hien",
    "ty_le_hoan_thanh",
    "tinh_trang",
    "ghi_chu",
    "nguoi_bao_cao",
    "ngay_cap_nhat",
    "so_minh_chung",
}


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


async def list_reports(mock: Nq71, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (await mock.ok("GET", "/bao-cao", params=params))["danh_sach"]
    return rows


async def attach_evidence(mock: Nq71, report_id: int) -> None:
    tai_lieu_id = await mock.upload(pdf())
    body = {
        "tai_lieu_id": tai_lieu_id,
        "tieu_de": "Biên bản",
        "so_hieu_van_ban": "60/KH-UBND",
        "ngay_ban_hanh": "15/11/2026",
    }
    await mock.ok("POST", f"/bao-cao/{report_id}/minh-chung", json=body)


async def test_post_creates_a_report_listed_as_sent(nq71: Nq71) -> None:
    """POST bao-cao answers its id; the list shows it with the contract's fields, stamped now."""
    assert await nq71.ok("POST", "/bao-cao", json=report_body()) == {"id": 1001}
    page = await nq71.ok("GET", "/bao-cao")
    assert (page["tong_so"], page["trang"], page["so_dong"]) == (1, 1, 50)
    assert page["danh_sach"] == [
        {
            "id": 1001,
            "ma_chi_tieu": "CT07",
            "ky_bao_cao": "11/2026",
            "gia_tri_thuc_hien": "87,5",
            "ty_le_hoan_thanh": "87,5",
            "tinh_trang": 2,
            "ghi_chu": "Đã triển khai tại 5/7 ấp",
            "nguoi_bao_cao": "Nguyễn Văn A",
            "ngay_cap_nhat": "27/11/2026 14:05:00",
            "so_minh_chung": 0,
        }
    ]


async def test_repeated_post_creates_a_duplicate(nq71: Nq71) -> None:
    """The same POST twice makes two reports for the same indicator and month, both listed."""
    first = await nq71.create_report()
    second = await nq71.create_report()
    assert second != first
    rows = await list_reports(nq71, ma_chi_tieu="CT07", ky_bao_cao="11/2026")
    assert [r["id"] for r in rows] == [first, second]
    state = await nq71.state()
    assert state["counts"]["posts"] == 2
    assert [r["saves"] for r in state["reports"]] == [1, 1]


async def test_post_completed_is_thieu_minh_chung(nq71: Nq71) -> None:
    """POST with tinh_trang 3: THIEU_MINH_CHUNG, nothing created."""
    resp = await nq71.call("POST", "/bao-cao", json=report_body(tinh_trang=3))
    assert_error(resp, "THIEU_MINH_CHUNG")
    assert await list_reports(nq71) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ma_chi_tieu": "CT45"}, "ma_chi_tieu"),
        ({"ma_chi_tieu": "1.5.17"}, "ma_chi_tieu"),
        ({"ky_bao_cao": "2026-11"}, "ky_bao_cao"),
        ({"ky_bao_cao": "1/2026"}, "ky_bao_cao"),
        ({"ky_bao_cao": "13/2026"}, "ky_bao_cao"),
        ({"gia_tri_thuc_hien": "87.5"}, "gia_tri_thuc_hien"),
        ({"gia_tri_thuc_hien": 87.5}, "gia_tri_thuc_hien"),
        ({"gia_tri_thuc_hien": "1.234,5"}, "gia_tri_thuc_hien"),
        ({"ty_le_hoan_thanh": "100,5"}, "ty_le_hoan_thanh"),
        ({"ty_le_hoan_thanh": "abc"}, "ty_le_hoan_thanh"),
        ({"tinh_trang": 0}, "tinh_trang"),
        ({"tinh_trang": 5}, "tinh_trang"),
        ({"tinh_trang": "2"}, "tinh_trang"),
        ({"ghi_chu": None}, "ghi_chu"),
    ],
    ids=repr,
)
async def test_invalid_field_is_du_lieu_khong_hop_le(
    nq71: Nq71, fields: dict[str, Any], field: str
) -> None:
    """A malformed field: HTTP 200 DU_LIEU_KHONG_HOP_LE whose message names the field."""
    resp = await nq71.call("POST", "/bao-cao", json=report_body(**fields))
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", field)
    assert (await nq71.state())["counts"]["posts"] == 0


async def test_missing_field_is_named(nq71: Nq71) -> None:
    """A body without nguoi_bao_cao: DU_LIEU_KHONG_HOP_LE naming it."""
    body = report_body()
    del body["nguoi_bao_cao"]
    assert_error(
        await nq71.call("POST", "/bao-cao", json=body), "DU_LIEU_KHONG_HOP_LE", "nguoi_bao_cao"
    )


async def test_body_that_is_not_json_is_du_lieu_khong_hop_le(nq71: Nq71) -> None:
    """A body that is not JSON: HTTP 200 DU_LIEU_KHONG_HOP_LE."""
    resp = await nq71.call(
        "POST", "/bao-cao", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE")


@pytest.mark.parametrize("value", ["", "0", "100", "87,5", "0,25"])
async def test_decimal_comma_and_blank_numbers_accepted(nq71: Nq71, value: str) -> None:
    """Numbers with a decimal comma, or blank, are accepted and stored as sent."""
    report_id = await nq71.create_report(gia_tri_thuc_hien=value, ty_le_hoan_thanh=value)
    (row,) = await list_reports(nq71)
    assert (row["id"], row["gia_tri_thuc_hien"], row["ty_le_hoan_thanh"]) == (
        report_id,
        value,
        value,
    )


async def test_other_unit_is_khong_co_quyen(nq71: Nq71) -> None:
    """POST for another unit, or listing another unit's reports: KHONG_CO_QUYEN."""
    assert_error(
        await nq71.call("POST", "/bao-cao", json=report_body(ma_don_vi="26476")), "KHONG_CO_QUYEN"
    )
    assert_error(
        await nq71.call("GET", "/bao-cao", params={"ma_don_vi": "26476"}), "KHONG_CO_QUYEN"
    )


async def test_text_is_stored_as_sent(nq71: Nq71) -> None:
    """Notes and names in NFD come back byte for byte in NFD."""
    nfd = unicodedata.normalize("NFD", "Hoà thành kế hoạch; ghi chú")
    await nq71.create_report(ghi_chu=nfd, nguoi_bao_cao=nfd)
    (row,) = await list_reports(nq71)
    assert (row["ghi_chu"], row["nguoi_bao_cao"]) == (nfd, nfd)


async def test_filters_paging_and_order(nq71: Nq71) -> None:
    """Filters by month and indicator match exactly; blank filters are ignored; pages by id."""
    ids = [
        await nq71.create_report(ma_chi_tieu=code, ky_bao_cao=month)
        for code in ("CT01", "CT02", "CT03")
        for month in ("10/2026", "11/2026")
    ]
    assert [r["id"] for r in await list_reports(nq71)] == ids
    assert [r["id"] for r in await list_reports(nq71, ky_bao_cao="11/2026")] == ids[1::2]
    assert [r["id"] for r in await list_reports(nq71, ma_chi_tieu="CT02")] == ids[2:4]
    only = await list_reports(nq71, ma_don_vi="", ky_bao_cao="10/2026", ma_chi_tieu="CT03")
    assert [r["id"] for r in only] == [ids[4]]
    assert await list_reports(nq71, ma_chi_tieu="CT44") == []
    page = await nq71.ok("GET", "/bao-cao", params={"trang": 2, "so_dong": 4})
    assert [r["id"] for r in page["danh_sach"]] == ids[4:]
    assert (page["tong_so"], page["trang"], page["so_dong"]) == (6, 2, 4)
    assert all(set(r) == EXPECTED_FIELDS for r in page["danh_sach"])


@pytest.mark.parametrize(
    "params", [{"so_dong": 51}, {"trang": 0}, {"ky_bao_cao": "2026-11"}], ids=repr
)
async def test_bad_list_parameters(nq71: Nq71, params: dict[str, Any]) -> None:
    """Bad paging or a malformed month filter: DU_LIEU_KHONG_HOP_LE naming the parameter."""
    resp = await nq71.call("GET", "/bao-cao", params=params)
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", next(iter(params)))


async def test_put_replaces_the_whole_report(nq71: Nq71) -> None:
    """PUT replaces every field, stamps ngay_cap_nhat now and counts a save."""
    report_id = await nq71.create_report()
    await nq71.later(3600 + 61)
    new = report_body(
        ma_chi_tieu="CT08",
        ky_bao_cao="12/2026",
        gia_tri_thuc_hien="90",
        ty_le_hoan_thanh="",
        tinh_trang=4,
        ghi_chu="",
        nguoi_bao_cao="Trần B",
    )
    assert await nq71.ok("PUT", f"/bao-cao/{report_id}", json=new) is None
    (row,) = await list_reports(nq71)
    expected = {k: v for k, v in new.items() if k != "ma_don_vi"}
    assert row == {
        **expected,
        "id": report_id,
        "ngay_cap_nhat": "27/11/2026 15:06:01",
        "so_minh_chung": 0,
    }
    state = await nq71.state()
    assert (state["reports"][0]["saves"], state["counts"]["puts"]) == (2, 1)


async def test_put_unknown_id_is_khong_tim_thay(nq71: Nq71) -> None:
    """PUT on an id that does not exist: HTTP 200 KHONG_TIM_THAY."""
    for report_id in (999, 10**30):
        resp = await nq71.call("PUT", f"/bao-cao/{report_id}", json=report_body())
        assert_error(resp, "KHONG_TIM_THAY", str(report_id))


async def test_put_validates_like_post(nq71: Nq71) -> None:
    """PUT with a malformed field or another unit: DU_LIEU_KHONG_HOP_LE / KHONG_CO_QUYEN."""
    report_id = await nq71.create_report()
    resp = await nq71.call("PUT", f"/bao-cao/{report_id}", json=report_body(ky_bao_cao="11-2026"))
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", "ky_bao_cao")
    resp = await nq71.call("PUT", f"/bao-cao/{report_id}", json=report_body(ma_don_vi="1"))
    assert_error(resp, "KHONG_CO_QUYEN")
    assert (await nq71.state())["reports"][0]["saves"] == 1


async def test_put_completed_needs_an_attachment(nq71: Nq71) -> None:
    """PUT tinh_trang 3 without evidence: THIEU_MINH_CHUNG; after attaching one, accepted."""
    report_id = await nq71.create_report()
    resp = await nq71.call("PUT", f"/bao-cao/{report_id}", json=report_body(tinh_trang=3))
    assert_error(resp, "THIEU_MINH_CHUNG")
    await attach_evidence(nq71, report_id)
    await nq71.ok("PUT", f"/bao-cao/{report_id}", json=report_body(tinh_trang=3))
    (row,) = await list_reports(nq71)
    assert (row["tinh_trang"], row["so_minh_chung"]) == (3, 1)


async def test_stamp_is_local_time_utc_plus_7(nq71: Nq71) -> None:
    """ngay_cap_nhat is dd/mm/yyyy HH:MM:SS in UTC+7, crossing midnight and year ends."""
    nq71.clock.now = datetime(2026, 12, 31, 17, 0, 30, tzinfo=UTC)
    nq71.token = await nq71.fetch_token()
    await nq71.create_report()
    (row,) = await list_reports(nq71)
    assert row["ngay_cap_nhat"] == "01/01/2027 00:00:30"


async def test_human_edit_changes_stamps_and_counts(nq71: Nq71) -> None:
    """/_admin/human-edit overwrites the given fields, stamps now and counts a save."""
    report_id = await nq71.create_report()
    nq71.clock.advance(90)
    resp = await nq71.http.post(
        "/_admin/human-edit", json={"id": report_id, "gia_tri_thuc_hien": "91", "tinh_trang": 3}
    )
    assert resp.json() == {"id": report_id, "ngay_cap_nhat": "27/11/2026 14:06:30", "saves": 2}
    (row,) = await list_reports(nq71)
    assert (row["gia_tri_thuc_hien"], row["tinh_trang"], row["ty_le_hoan_thanh"]) == (
        "91",
        3,
        "87,5",
    )
    assert row["ngay_cap_nhat"] == "27/11/2026 14:06:30"
    assert (await nq71.state())["counts"]["puts"] == 0


async def test_human_edit_unknown_report_is_404(nq71: Nq71) -> None:
    """/_admin/human-edit on an unknown id: HTTP 404."""
    resp = await nq71.http.post("/_admin/human-edit", json={"id": 5, "ghi_chu": "x"})
    assert resp.status_code == 404

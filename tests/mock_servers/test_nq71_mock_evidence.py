"""nq71 mock, attachments (minh chứng): duplicates allowed, sha256 shown, reviews."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from nq71_mock_support import Nq71, assert_error, open_nq71, pdf


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


def attachment(tai_lieu_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "tai_lieu_id": tai_lieu_id,
        "tieu_de": "Kế hoạch 60/KH-UBND",
        "so_hieu_van_ban": "60/KH-UBND",
        "ngay_ban_hanh": "15/11/2026",
    }
    return body | fields


async def test_attach_and_list_with_pending_review(nq71: Nq71) -> None:
    """An attachment is listed with its id, document, title, sha256 and a pending review."""
    report_id = await nq71.create_report()
    data = pdf()
    tai_lieu_id = await nq71.upload(data)
    created = await nq71.ok(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(tai_lieu_id)
    )
    listed = await nq71.ok("GET", f"/bao-cao/{report_id}/minh-chung")
    sha = (await nq71.state())["documents"][0]["sha256"]
    assert listed == {
        "danh_sach": [
            {
                "id": created["id"],
                "tai_lieu_id": tai_lieu_id,
                "tieu_de": "Kế hoạch 60/KH-UBND",
                "sha256": sha,
                "tham_dinh": {"ket_qua": 0, "y_kien": ""},
            }
        ]
    }
    (row,) = (await nq71.ok("GET", "/bao-cao"))["danh_sach"]
    assert row["so_minh_chung"] == 1


async def test_attaching_the_same_document_twice_makes_two_attachments(nq71: Nq71) -> None:
    """The same tai_lieu_id attached twice gives two attachments; so_minh_chung counts both."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    first = await nq71.ok("POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(tai_lieu_id))
    again = await nq71.ok("POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(tai_lieu_id))
    assert first != again
    listed = (await nq71.ok("GET", f"/bao-cao/{report_id}/minh-chung"))["danh_sach"]
    assert [a["id"] for a in listed] == [first["id"], again["id"]]
    assert {a["tai_lieu_id"] for a in listed} == {tai_lieu_id}
    state = await nq71.state()
    assert (state["counts"]["attachments"], state["reports"][0]["so_minh_chung"]) == (2, 2)


async def test_attaching_does_not_touch_the_reports_stamp_or_saves(nq71: Nq71) -> None:
    """An attachment leaves ngay_cap_nhat and the save count of the report as they were."""
    report_id = await nq71.create_report()
    before = (await nq71.state())["reports"][0]
    await nq71.later(120)
    await nq71.ok(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(await nq71.upload(pdf()))
    )
    after = (await nq71.state())["reports"][0]
    assert (after["ngay_cap_nhat"], after["saves"]) == (before["ngay_cap_nhat"], before["saves"])


async def test_unknown_report_or_document_is_khong_tim_thay(nq71: Nq71) -> None:
    """Attaching to an unknown report, or an unknown document: KHONG_TIM_THAY."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    resp = await nq71.call("POST", "/bao-cao/77/minh-chung", json=attachment(tai_lieu_id))
    assert_error(resp, "KHONG_TIM_THAY", "77")
    resp = await nq71.call(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment("TL-KHONGCO")
    )
    assert_error(resp, "KHONG_TIM_THAY", "TL-KHONGCO")
    assert_error(await nq71.call("GET", "/bao-cao/77/minh-chung"), "KHONG_TIM_THAY")


async def test_unfinished_upload_cannot_be_attached(nq71: Nq71) -> None:
    """Only a completed upload's tai_lieu_id exists; an upload_id is not one."""
    report_id = await nq71.create_report()
    started = await nq71.ok(
        "POST",
        "/tai-lieu/khoi-tao",
        json={"ten_tep": "a.pdf", "kich_thuoc": 10, "sha256": "0" * 64, "loai_tai_lieu": "van_ban"},
    )
    resp = await nq71.call(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(started["upload_id"])
    )
    assert_error(resp, "KHONG_TIM_THAY")


@pytest.mark.parametrize("date", ["2026-11-15", "31/02/2026", "15/13/2026", "1/2/2026", " "])
async def test_bad_issue_date_is_du_lieu_khong_hop_le(nq71: Nq71, date: str) -> None:
    """ngay_ban_hanh not a real dd/mm/yyyy date: DU_LIEU_KHONG_HOP_LE naming it."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    resp = await nq71.call(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(tai_lieu_id, ngay_ban_hanh=date)
    )
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", "ngay_ban_hanh")


async def test_photo_without_document_number_or_date_is_attached(nq71: Nq71) -> None:
    """A photo has no document number or issue date: both may be blank."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    resp = await nq71.call(
        "POST",
        f"/bao-cao/{report_id}/minh-chung",
        json=attachment(tai_lieu_id, so_hieu_van_ban="", ngay_ban_hanh=""),
    )
    assert resp.json()["thanh_cong"] is True


async def test_review_shows_in_the_list(nq71: Nq71) -> None:
    """/_admin/review sets ket_qua and y_kien; the list shows them."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    created = await nq71.ok(
        "POST", f"/bao-cao/{report_id}/minh-chung", json=attachment(tai_lieu_id)
    )
    resp = await nq71.http.post(
        "/_admin/review", json={"id": created["id"], "ket_qua": 2, "y_kien": "Thiếu chữ ký"}
    )
    assert resp.status_code == 200
    (item,) = (await nq71.ok("GET", f"/bao-cao/{report_id}/minh-chung"))["danh_sach"]
    assert item["tham_dinh"] == {"ket_qua": 2, "y_kien": "Thiếu chữ ký"}
    await nq71.http.post("/_admin/review", json={"id": created["id"], "ket_qua": 1})
    (item,) = (await nq71.ok("GET", f"/bao-cao/{report_id}/minh-chung"))["danh_sach"]
    assert item["tham_dinh"] == {"ket_qua": 1, "y_kien": ""}


async def test_review_of_unknown_attachment_or_bad_verdict(nq71: Nq71) -> None:
    """/_admin/review on an unknown id: 404; ket_qua outside 0–2: 422."""
    assert (await nq71.http.post("/_admin/review", json={"id": 9, "ket_qua": 1})).status_code == 404
    resp = await nq71.http.post("/_admin/review", json={"id": 9, "ket_qua": 3})
    assert resp.status_code == 422

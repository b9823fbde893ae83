from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from theodoinq_support import (
    REPORT,
    USERNAME,
    client_for,
    login,
    monthly_grants,
    new_app,
    ok,
    pdf,
    report,
    row_at,
    save,
    state,
    upload,
    with_changes,
)
from timing_support import MovableClock


class Session:
    """A logged-in client with one monthly grant's report at hand."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], grant_id: int) -> None:
        self.client = client
        self.headers = headers
        self.grant_id = grant_id

    async def rows(self) -> list[dict[str, Any]]:
        return await report(self.client, self.headers, self.grant_id)

    async def save(self, body: Any, action: str = "input") -> httpx.Response:
        return await save(self.client, self.headers, self.grant_id, body, action)

    async def change(self, changes: dict[str, dict[str, Any]]) -> httpx.Response:
        """Save the report as read with the rows of some plan codes changed."""
        rows = await self.rows()
        by_id = {row_at(rows, code)["idxId"]: fields for code, fields in changes.items()}
        return await self.save(with_changes(rows, by_id))

    async def file_id(self) -> str:
        response = await upload(self.client, self.headers, "bien-ban.pdf", pdf())
        file_id: str = response.json()["data"]["fileId"]
        return file_id

    async def saves_of(self, code: str) -> int:
        snapshot = await state(self.client)
        grant = next(g for g in snapshot["grants"] if g["grantId"] == self.grant_id)
        idx_id = row_at(await self.rows(), code)["idxId"]
        saves: int = next(r["saves"] for r in grant["rows"] if r["idxId"] == idx_id)
        return saves


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with client_for(new_app(clock=MovableClock())) as client:
        headers = await login(client)
        grant_id = (await monthly_grants(client, headers))[11]
        yield Session(client, headers, grant_id)


def error(code: str, message: str) -> dict[str, Any]:
    return {"status": "ERROR", "code": code, "message": message, "data": None}


async def test_sending_the_report_back_unchanged_changes_nothing(session: Session) -> None:
    """A save of the report as read answers OK and stamps no row."""
    before = await session.rows()
    response = await session.save(before)
    assert response.status_code == 200
    assert response.json() == ok()
    assert await session.rows() == before
    snapshot = await state(session.client)
    assert snapshot["counts"]["saves"] == 1
    assert all(r["saves"] == 0 for g in snapshot["grants"] for r in g["rows"])


async def test_a_save_stamps_only_the_rows_it_changes(session: Session) -> None:
    """The changed row gets updateUser (the account) and updateTime; the others keep theirs."""
    response = await session.change({"1.5.17": {"idxValue": "87,5"}})
    assert response.json() == ok()
    rows = await session.rows()
    changed = row_at(rows, "1.5.17")
    assert changed["idxValue"] == "87,5"
    assert changed["updateUser"] == USERNAME
    assert changed["updateTime"] == "27/11/2026 14:05:00", "the clock's time in UTC+7"
    assert [r for r in rows if r["updateUser"] is not None] == [changed]
    assert await session.saves_of("1.5.17") == 1
    assert (await session.change({"1.5.18": {"idxValue": "40"}})).json() == ok()
    assert await session.saves_of("1.5.17") == 1
    assert row_at(await session.rows(), "1.5.17") == changed


async def test_rows_left_out_of_the_body_are_cleared(session: Session) -> None:
    """Whole-report replacement: a row missing from the body loses value, content and files."""
    file_id = await session.file_id()
    await session.change(
        {
            "1.5.17": {"idxValue": "80", "idxContent": "<p>Đạt 80%</p>", "fileIds": [file_id]},
            "1.5.18": {"idxValue": "40"},
        }
    )
    rows = await session.rows()
    dropped = row_at(rows, "1.5.17")["idxId"]
    response = await session.save([r for r in rows if r["idxId"] != dropped])
    assert response.json() == ok()
    after = await session.rows()
    cleared = row_at(after, "1.5.17")
    assert (cleared["idxValue"], cleared["idxContent"], cleared["idxContentRaw"]) == ("", "", "")
    assert cleared["fileIds"] == []
    assert cleared["updateUser"] == USERNAME
    assert await session.saves_of("1.5.17") == 2
    assert row_at(after, "1.5.18")["idxValue"] == "40"


async def test_an_empty_array_clears_the_whole_report(session: Session) -> None:
    """PUT [] empties every row that held something."""
    await session.change({"1.1.1": {"idxValue": "10"}, "1.3.2": {"idxValue": "Đang làm"}})
    assert (await session.save([])).json() == ok()
    assert all(r["idxValue"] == "" for r in await session.rows())


async def test_fields_absent_from_a_row_are_emptied(session: Session) -> None:
    """A body row with only idxId empties that row's value, content and files."""
    await session.change({"1.1.1": {"idxValue": "10", "idxContent": "ghi chú"}})
    rows = await session.rows()
    target = row_at(rows, "1.1.1")["idxId"]
    body = [r if r["idxId"] != target else {"idxId": target} for r in rows]
    assert (await session.save(body)).json() == ok()
    row = row_at(await session.rows(), "1.1.1")
    assert (row["idxValue"], row["idxContent"]) == ("", "")


async def test_only_value_content_and_files_are_taken(session: Session) -> None:
    """Other fields in the body are ignored; idxContentRaw is the text of idxContent."""
    response = await session.change(
        {
            "1.5.2": {
                "idxValue": "45",
                "idxContent": "<p>Đạt <b>45%</b> &amp; tăng</p><p>Quý&nbsp;IV</p>",
                "idxContentRaw": "bịa",
                "idxName": "Tên khác",
                "evalStatus": "DAT",
                "updateUser": "ai.do",
                "parentId": None,
            }
        }
    )
    assert response.json() == ok()
    rows = await session.rows()
    row = row_at(rows, "1.5.2")
    assert row["idxContent"] == "<p>Đạt <b>45%</b> &amp; tăng</p><p>Quý&nbsp;IV</p>"
    assert row["idxContentRaw"] == "Đạt 45% & tăng\nQuý IV"
    assert row["idxName"].startswith("Tỷ lệ thủ tục hành chính")
    assert (row["evalStatus"], row["updateUser"]) == ("CHUA_DANH_GIA", USERNAME)


async def test_unknown_idx_id_is_invalid_and_nothing_is_saved(session: Session) -> None:
    """A body row whose idxId is not in the grant → INVALID_VALUE naming it; no row saved."""
    rows = await session.rows()
    changed = with_changes(rows, {row_at(rows, "1.1.1")["idxId"]: {"idxValue": "20"}})
    response = await session.save([*changed, {"idxId": 424242, "idxValue": "1"}])
    assert response.status_code == 200
    assert response.json() == error(
        "INVALID_VALUE",
        "Giá trị không hợp lệ tại chỉ tiêu 424242: chỉ tiêu không thuộc báo cáo này.",
    )
    assert await session.rows() == rows
    assert (await state(session.client))["counts"]["saves"] == 0


async def test_a_row_twice_in_the_body_is_invalid(session: Session) -> None:
    """The same idxId twice in a body → INVALID_VALUE naming it."""
    rows = await session.rows()
    response = await session.save([*rows, rows[7]])
    assert response.json()["code"] == "INVALID_VALUE"
    assert str(rows[7]["idxId"]) in response.json()["message"]


@pytest.mark.parametrize("value", ["100,5", "-1", "101"])
async def test_percent_outside_0_to_100_is_invalid(session: Session, value: str) -> None:
    """A PERCENT value outside 0–100 → INVALID_VALUE naming the idxId; nothing saved."""
    rows = await session.rows()
    idx_id = row_at(rows, "1.5.18")["idxId"]
    response = await session.change({"1.1.1": {"idxValue": "30"}, "1.5.18": {"idxValue": value}})
    assert response.status_code == 200
    assert response.json() == error(
        "INVALID_VALUE", f"Giá trị không hợp lệ tại chỉ tiêu {idx_id}: tỷ lệ phải từ 0 đến 100."
    )
    assert await session.rows() == rows


@pytest.mark.parametrize("value", ["87.5", "abc", "1.234,5", " 5", "5%", "1e3"])
async def test_numbers_need_a_decimal_comma(session: Session, value: str) -> None:
    """A NUMBER/PERCENT value that is not a plain number with a decimal comma → INVALID_VALUE."""
    rows = await session.rows()
    idx_id = row_at(rows, "1.2.6")["idxId"]
    response = await session.change({"1.2.6": {"idxValue": value}})
    assert response.json()["code"] == "INVALID_VALUE"
    assert str(idx_id) in response.json()["message"]


@pytest.mark.parametrize(("code", "value"), [("1.5.17", "87,5"), ("1.2.6", "-3"), ("1.5.1", "12")])
async def test_valid_numbers_are_saved(session: Session, code: str, value: str) -> None:
    """Numbers with a decimal comma below their target are saved without evidence."""
    assert (await session.change({code: {"idxValue": value}})).json() == ok()
    assert row_at(await session.rows(), code)["idxValue"] == value


async def test_text_rows_take_free_text(session: Session) -> None:
    """A TEXT row (a target with no number) takes any text."""
    response = await session.change({"1.3.2": {"idxValue": "Đã triển khai 2 mô hình"}})
    assert response.json() == ok()
    assert row_at(await session.rows(), "1.3.2")["idxValue"] == "Đã triển khai 2 mô hình"


@pytest.mark.parametrize("fields", [{"idxValue": "5"}, {"idxContent": "x"}])
async def test_group_rows_take_no_values(session: Session, fields: dict[str, str]) -> None:
    """A section (GROUP) row with a value or content → INVALID_VALUE naming it."""
    idx_id = row_at(await session.rows(), "1.5")["idxId"]
    response = await session.change({"1.5": fields})
    assert response.json() == error(
        "INVALID_VALUE",
        f"Giá trị không hợp lệ tại chỉ tiêu {idx_id}: dòng nhóm chỉ tiêu không nhận giá trị.",
    )


@pytest.mark.parametrize(
    ("code", "value", "target"),
    [("1.5.17", "90", "≥ 90"), ("1.5.17", "95,5", "≥ 90"), ("1.2.2", "100", "100"),
     ("1.5.1", "3", "≤ 10"), ("1.2.6", "6", "≥ 6")],
)
async def test_meeting_the_target_needs_evidence(
    session: Session, code: str, value: str, target: str
) -> None:
    """A value meeting idxTarget with no file → EVIDENCE_REQUIRED naming the idxId."""
    rows = await session.rows()
    idx_id = row_at(rows, code)["idxId"]
    response = await session.change({code: {"idxValue": value}})
    assert response.status_code == 200
    assert response.json() == error(
        "EVIDENCE_REQUIRED",
        f"Chỉ tiêu {idx_id} đạt mục tiêu ({target}) nhưng chưa có tệp minh chứng.",
    )
    assert await session.rows() == rows


async def test_meeting_the_target_with_a_file_is_saved(session: Session) -> None:
    """The same value with a file of the account in fileIds is saved."""
    file_id = await session.file_id()
    response = await session.change({"1.5.17": {"idxValue": "90", "fileIds": [file_id]}})
    assert response.json() == ok()
    row = row_at(await session.rows(), "1.5.17")
    assert (row["idxValue"], row["fileIds"]) == ("90", [file_id])


async def test_unknown_file_ids_are_invalid(session: Session) -> None:
    """A fileId that is no file of the account → INVALID_VALUE naming the idxId."""
    idx_id = row_at(await session.rows(), "1.5.17")["idxId"]
    ghost = "0b9a3f2e-1111-4222-8333-444455556666"
    response = await session.change({"1.5.17": {"idxValue": "50", "fileIds": [ghost]}})
    assert response.json() == error(
        "INVALID_VALUE", f"Giá trị không hợp lệ tại chỉ tiêu {idx_id}: tệp {ghost} không tồn tại."
    )


async def test_rows_sent_back_unchanged_are_not_checked(session: Session) -> None:
    """A value a person put on the web is not re-validated when sent back as read."""
    idx_id = row_at(await session.rows(), "1.5.17")["idxId"]
    edit = {"grantId": session.grant_id, "idxId": idx_id, "idxValue": "150"}
    assert (await session.client.post("/_admin/human-edit", json=edit)).status_code == 200
    response = await session.change({"1.1.1": {"idxValue": "10"}})
    assert response.json() == ok()
    row = row_at(await session.rows(), "1.5.17")
    assert (row["idxValue"], row["updateUser"]) == ("150", "web.user")


@pytest.mark.parametrize("status", ["LOCKED", "SUBMITTED"])
async def test_locked_or_submitted_grant_refuses_saves(session: Session, status: str) -> None:
    """A LOCKED or SUBMITTED grant → HTTP 200 GRANT_LOCKED; nothing saved."""
    lock = {"grantId": session.grant_id, "grantStatus": status}
    assert (await session.client.post("/_admin/lock", json=lock)).status_code == 200
    rows = await session.rows()
    for action in ("input", "submit"):
        response = await session.save(rows[:3], action)
        assert response.status_code == 200
        assert response.json() == error(
            "GRANT_LOCKED", "Nhiệm vụ báo cáo đã khóa hoặc đã gửi, không thể cập nhật."
        )
    assert await session.rows() == rows


async def test_submit_without_a_body_submits(session: Session) -> None:
    """`action=submit` with no body sets grantStatus SUBMITTED and saves nothing."""
    response = await session.client.put(
        REPORT, params={"grant_id": session.grant_id, "action": "submit"}, headers=session.headers
    )
    assert response.json() == ok()
    grants = await monthly_grants(session.client, session.headers)
    listed = (await session.client.get(
        "/report_api/api/rp_grant", params={"year": 2026}, headers=session.headers
    )).json()["data"]
    assert next(g for g in listed if g["grantId"] == grants[11])["grantStatus"] == "SUBMITTED"
    counts = (await state(session.client))["counts"]
    assert (counts["saves"], counts["submits"]) == (0, 1)
    assert (await session.change({"1.1.1": {"idxValue": "1"}})).json()["code"] == "GRANT_LOCKED"


async def test_submit_with_a_body_saves_it_first(session: Session) -> None:
    """`action=submit` with a body saves it under the same rules, then submits."""
    rows = await session.rows()
    body = with_changes(rows, {row_at(rows, "1.1.1")["idxId"]: {"idxValue": "55"}})
    assert (await session.save(body, "submit")).json() == ok()
    assert row_at(await session.rows(), "1.1.1")["idxValue"] == "55"
    grant = next(
        g for g in (await state(session.client))["grants"] if g["grantId"] == session.grant_id
    )
    assert grant["grantStatus"] == "SUBMITTED"


async def test_a_refused_submit_does_not_submit(session: Session) -> None:
    """A submit whose body breaks a rule answers the error and leaves the grant OPEN."""
    rows = await session.rows()
    body = with_changes(rows, {row_at(rows, "1.5.17")["idxId"]: {"idxValue": "99"}})
    assert (await session.save(body, "submit")).json()["code"] == "EVIDENCE_REQUIRED"
    grant = next(
        g for g in (await state(session.client))["grants"] if g["grantId"] == session.grant_id
    )
    assert grant["grantStatus"] == "OPEN"


@pytest.mark.parametrize("action", ["approve", "INPUT", ""])
async def test_other_actions_are_400(session: Session, action: str) -> None:
    """An action other than input or submit → HTTP 400 INVALID_ACTION."""
    response = await session.save(await session.rows(), action)
    assert response.status_code == 400
    assert response.json() == error("INVALID_ACTION", f"Thao tác không hợp lệ: {action}.")


async def test_missing_action_is_400(session: Session) -> None:
    """No action at all → HTTP 400 INVALID_ACTION."""
    response = await session.client.put(
        REPORT, params={"grant_id": session.grant_id}, headers=session.headers, json=[]
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_ACTION"


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b'{"idxId": 1}', b'[{"idxValue": "1"}]', b'[{"idxId": 5, "idxValue": 87.5}]',
     b'[{"idxId": "5"}]', b'[{"idxId": 5, "fileIds": "abc"}]'],
)
async def test_malformed_bodies_are_400(session: Session, content: bytes) -> None:
    """An input body that is absent or not an array of rows with integer idxId → HTTP 400."""
    response = await session.client.put(
        REPORT,
        params={"grant_id": session.grant_id, "action": "input"},
        headers={**session.headers, "content-type": "application/json"},
        content=content,
    )
    assert response.status_code == 400
    assert response.json()["status"] == "ERROR"
    assert response.json()["code"] == "INVALID_REQUEST"

"""nq71 mock, /_admin and storage: reset, state, persistence in a data dir, HTML on crashes."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nq71_mock_support import CLIENT_SECRET, Nq71, assert_fault, assert_html, open_nq71, pdf


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71(seed=11) as mock:
        yield mock


async def test_state_has_the_documented_shape(nq71: Nq71) -> None:
    """/_admin/state: seed, config (no secret), indicators, reports, uploads, documents, counts,
    the write count, the freeze and the drift rules."""
    report_id = await nq71.create_report()
    tai_lieu_id = await nq71.upload(pdf())
    await nq71.ok(
        "POST",
        f"/bao-cao/{report_id}/minh-chung",
        json={
            "tai_lieu_id": tai_lieu_id,
            "tieu_de": "t",
            "so_hieu_van_ban": "1/QĐ-UBND",
            "ngay_ban_hanh": "01/11/2026",
        },
    )
    state = await nq71.state()
    assert set(state) == {
        "seed",
        "config",
        "indicators",
        "reports",
        "uploads",
        "documents",
        "counts",
        "writes",
        "frozen",
        "held",
        "freeze",
        "drift",
    }
    assert (state["writes"], state["frozen"], state["freeze"]) == (5, False, None)
    assert state["drift"] == []
    assert state["seed"] == 11
    assert state["config"] == {
        "ma_don_vi": "26491",
        "ma_dinh_danh": "000.00.32.H19",
        "client_id": "nqsync-dev-client",
        "token_ttl": 3600,
        "max_in_flight": 4,
        "latency_ms": 0,
    }
    assert len(state["indicators"]) == 44
    assert set(state["indicators"][0]) == {
        "ma_chi_tieu",
        "ten_chi_tieu",
        "don_vi_tinh",
        "chi_tieu_ke_hoach",
        "han_hoan_thanh",
        "plan_code",
        "reworded",
    }
    (report,) = state["reports"]
    assert (report["id"], report["ma_don_vi"], report["saves"], report["so_minh_chung"]) == (
        report_id,
        "26491",
        1,
        1,
    )
    (item,) = report["minh_chung"]
    assert item["tai_lieu_id"] == tai_lieu_id
    assert item["tham_dinh"] == {"ket_qua": 0, "y_kien": ""}
    (upload,) = state["uploads"]
    assert (upload["da_nhan"], upload["hoan_tat"], upload["tai_lieu_id"]) == (
        [0],
        True,
        tai_lieu_id,
    )
    assert state["counts"] == {
        "tokens": 1,
        "posts": 1,
        "puts": 0,
        "attachments": 1,
        "parts": 1,
        "requests": 5,
        "throttled": 0,
        "unauthorized": 0,
        "peak_in_flight": 1,
    }
    assert CLIENT_SECRET not in str(state)


async def test_reset_empties_reseeds_and_clears_faults(nq71: Nq71) -> None:
    """/_admin/reset: no reports, uploads, tokens, counts or fault rules; the same indicators."""
    indicators = (await nq71.state())["indicators"]
    await nq71.create_report()
    await nq71.upload(pdf())
    await nq71.faults({"path": "chi-tieu", "fault": "http_503"})
    resp = await nq71.http.post("/_admin/reset")
    assert resp.json() == {"ok": True, "seed": 11}
    state = await nq71.state()
    assert state["indicators"] == indicators
    assert (state["reports"], state["uploads"], state["documents"]) == ([], [], [])
    assert set(state["counts"].values()) == {0}
    assert (await nq71.http.get("/_admin/faults")).json()["rules"] == []
    assert_fault(await nq71.call("GET", "/chi-tieu"), 401, 900901, "Invalid Credentials")
    nq71.token = await nq71.fetch_token()
    assert (await nq71.call("GET", "/chi-tieu")).status_code == 200


async def test_reset_with_another_seed(nq71: Nq71) -> None:
    """/_admin/reset {"seed": n} seeds another order; ids restart at 1001."""
    before = (await nq71.state())["indicators"]
    await nq71.create_report()
    await nq71.http.post("/_admin/reset", json={"seed": 12})
    state = await nq71.state()
    assert state["seed"] == 12
    assert state["indicators"] != before
    nq71.token = await nq71.fetch_token()
    assert await nq71.create_report() == 1001


async def test_admin_is_never_faulted(nq71: Nq71) -> None:
    """A rule matching every path leaves /_admin alone."""
    await nq71.faults({"path": ".*", "fault": "http_500"})
    assert (await nq71.http.get("/_admin/state")).status_code == 200
    assert_html(await nq71.call("GET", "/chi-tieu"), 500)


async def test_state_persists_in_a_data_dir(tmp_path: Path) -> None:
    """With data_dir, a new app on the same dir and seed keeps the reports; another seed resets."""
    async with open_nq71(seed=2, data_dir=tmp_path) as first:
        report_id = await first.create_report()
    assert (tmp_path / "nq71.sqlite3").is_file()
    async with open_nq71(seed=2, data_dir=tmp_path) as again:
        assert [r["id"] for r in (await again.state())["reports"]] == [report_id]
        assert [r["id"] for r in (await again.ok("GET", "/bao-cao"))["danh_sach"]] == [report_id]
    async with open_nq71(seed=3, data_dir=tmp_path) as other:
        assert (await other.state())["reports"] == []


async def test_in_memory_apps_do_not_share_state() -> None:
    """Two in-memory apps are independent."""
    async with open_nq71() as a, open_nq71() as b:
        await a.create_report()
        assert (await b.state())["reports"] == []


async def test_unhandled_error_is_an_html_500(nq71: Nq71, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash inside the back end answers the HTML 500 page, never a traceback."""

    def boom() -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(nq71.app.state.nq71.store, "indicators", boom)
    resp = await nq71.call("GET", "/chi-tieu")
    assert_html(resp, 500)
    assert "secret detail" not in resp.text
    assert (await nq71.call("GET", "/bao-cao")).status_code == 200

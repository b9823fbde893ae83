"""nq71 mock, indicators: CT codes in a seeded order, NFD titles, five rewordings, pages."""

import re
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nq71_mock_support import Nq71, assert_error, open_nq71

from models.catalogue import by_code, targets


def normalise_title(text: str) -> str:
    """What a title normaliser does: NFC, one tone placement, case, punctuation, whitespace."""
    text = unicodedata.normalize("NFC", text).casefold()
    for old, new in (
        ("oá", "óa"),
        ("oà", "òa"),
        ("oả", "ỏa"),
        ("oã", "õa"),
        ("oạ", "ọa"),
        ("oé", "óe"),
        ("oè", "òe"),
        ("oẻ", "ỏe"),
        ("uý", "úy"),
        ("uỳ", "ùy"),
        ("uỷ", "ủy"),
    ):
        text = re.sub(old + r"(?!\w)", new, text)
    text = re.sub(r"[^\w%/≥]+", " ", text)
    return " ".join(text.split())


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71(seed=7) as mock:
        yield mock


async def all_indicators(mock: Nq71) -> list[dict[str, Any]]:
    page = await mock.ok("GET", "/chi-tieu", params={"ma_don_vi": "26491", "trang": 1})
    assert (page["tong_so"], page["trang"], page["so_dong"]) == (44, 1, 50)
    rows: list[dict[str, Any]] = page["danh_sach"]
    return rows


async def test_lists_44_indicators_ct01_to_ct44_in_code_order(nq71: Nq71) -> None:
    """One page of 50 holds all 44, coded CT01…CT44 in order, with exactly the contract's fields."""
    rows = await all_indicators(nq71)
    assert [r["ma_chi_tieu"] for r in rows] == [f"CT{n:02d}" for n in range(1, 45)]
    for row in rows:
        assert set(row) == {
            "ma_chi_tieu",
            "ten_chi_tieu",
            "don_vi_tinh",
            "chi_tieu_ke_hoach",
            "han_hoan_thanh",
        }


async def test_titles_are_nfd(nq71: Nq71) -> None:
    """Every title is stored decomposed (NFD), and differs from its NFC form when accented."""
    for row in await all_indicators(nq71):
        title = row["ten_chi_tieu"]
        assert unicodedata.is_normalized("NFD", title)
        assert title != unicodedata.normalize("NFC", title)


async def test_order_is_shuffled_away_from_the_plan(nq71: Nq71) -> None:
    """The codes follow a shuffled order: CTnn is not the plan's nth target."""
    state = await nq71.state()
    plan_order = [t.code for t in targets()]
    assert [i["plan_code"] for i in state["indicators"]] != plan_order
    assert sorted(i["plan_code"] for i in state["indicators"]) == sorted(plan_order)


async def test_fields_come_from_the_catalogue(nq71: Nq71) -> None:
    """Unit, target value with decimal comma (or blank) and deadline 31/12/2026 match the plan."""
    rows = await all_indicators(nq71)
    plan_codes = {i["ma_chi_tieu"]: i["plan_code"] for i in (await nq71.state())["indicators"]}
    for row in rows:
        target = by_code()[plan_codes[row["ma_chi_tieu"]]]
        assert row["don_vi_tinh"] == (target.unit or "")
        value = target.target_value
        expected = "" if value is None else f"{value:g}".replace(".", ",")
        assert row["chi_tieu_ke_hoach"] == expected
        assert row["han_hoan_thanh"] == "31/12/2026"
    values = {plan_codes[r["ma_chi_tieu"]]: r["chi_tieu_ke_hoach"] for r in rows}
    assert (values["1.1.2"], values["1.2.1"], values["1.5.1"], values["1.3.2"]) == (
        "70",
        "2",
        "10",
        "",
    )


@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
async def test_exactly_five_titles_reworded_and_a_normaliser_absorbs_them(seed: int) -> None:
    """Five titles differ from the plan's NFC text; after normalisation all 44 equal the plan's."""
    async with open_nq71(seed=seed) as mock:
        rows = await all_indicators(mock)
        plan_codes = {i["ma_chi_tieu"]: i["plan_code"] for i in (await mock.state())["indicators"]}
    differing = []
    for row in rows:
        plan_title = by_code()[plan_codes[row["ma_chi_tieu"]]].title
        title = row["ten_chi_tieu"]
        assert normalise_title(title) == normalise_title(plan_title)
        if unicodedata.normalize("NFC", title) != plan_title:
            differing.append(title)
    assert len(differing) == 5


async def test_rewordings_cover_spaces_punctuation_quotes_and_tone_placement(nq71: Nq71) -> None:
    """The five rewordings: straight quotes, old tone placement, comma, period, double space."""
    state = await nq71.state()
    reworded = [
        (unicodedata.normalize("NFC", i["ten_chi_tieu"]), by_code()[i["plan_code"]].title)
        for i in state["indicators"]
        if i["reworded"]
    ]
    assert len(reworded) == 5
    assert any('"phi tiếp xúc"' in new for new, _ in reworded)
    assert any(new.endswith(".") and not old.endswith(".") for new, old in reworded)
    assert any("  " in new for new, _ in reworded)
    assert any(new.count(",") < old.count(",") for new, old in reworded)
    assert any(re.search(r"(oá|oà|oả|oạ|oẻ|oé|uỷ|uý|uỳ)(?!\w)", new) for new, _ in reworded)


async def test_same_seed_same_indicators_other_seed_other_order() -> None:
    """A seed fixes codes and titles; another seed gives another order and other rewordings."""
    async with open_nq71(seed=3) as a, open_nq71(seed=3) as b, open_nq71(seed=4) as c:
        first, again, other = [await all_indicators(m) for m in (a, b, c)]
        assert first == again
        assert first != other


async def test_paging_is_one_based(nq71: Nq71) -> None:
    """so_dong=20: pages 1, 2, 3 hold 20, 20, 4 indicators; page 4 is empty; tong_so stays 44."""
    everything = await all_indicators(nq71)
    pages = []
    for trang in (1, 2, 3, 4):
        page = await nq71.ok("GET", "/chi-tieu", params={"trang": trang, "so_dong": 20})
        assert (page["tong_so"], page["trang"], page["so_dong"]) == (44, trang, 20)
        pages.append(page["danh_sach"])
    assert [len(p) for p in pages] == [20, 20, 4, 0]
    assert pages[0] + pages[1] + pages[2] == everything


async def test_blank_unit_means_the_applications_unit(nq71: Nq71) -> None:
    """ma_don_vi absent or blank lists the application's own indicators."""
    assert (await nq71.ok("GET", "/chi-tieu"))["tong_so"] == 44
    assert (await nq71.ok("GET", "/chi-tieu", params={"ma_don_vi": ""}))["tong_so"] == 44


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"so_dong": 51}, "so_dong"),
        ({"so_dong": 0}, "so_dong"),
        ({"trang": 0}, "trang"),
        ({"trang": "mot"}, "trang"),
    ],
)
async def test_bad_paging_is_du_lieu_khong_hop_le(
    nq71: Nq71, params: dict[str, Any], field: str
) -> None:
    """so_dong outside 1–50 or trang < 1: HTTP 200 DU_LIEU_KHONG_HOP_LE naming the parameter."""
    resp = await nq71.call("GET", "/chi-tieu", params=params)
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", field)


async def test_other_unit_is_khong_co_quyen(nq71: Nq71) -> None:
    """Another unit's code: HTTP 200 KHONG_CO_QUYEN."""
    resp = await nq71.call("GET", "/chi-tieu", params={"ma_don_vi": "26476"})
    assert_error(resp, "KHONG_CO_QUYEN", "26476")

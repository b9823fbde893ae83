import json
import unicodedata
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from connectors.nq71.mapping import (
    STATUS_BY_CODE,
    STATUS_CODES,
    format_number,
    from_period,
    load_overrides,
    map_indicators,
    parse_number,
    title_key,
    to_period,
)
from models.catalogue import get, targets
from models.records import Status


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_title_key_absorbs_form_case_spaces_punctuation_and_tone_placement() -> None:
    """NFD, case, extra spaces, punctuation and `hoà`/`hòa` give the same key."""
    plan = "Tỷ lệ giao dịch hành chính thuộc diện “phi tiếp xúc” 100%"
    assert title_key(nfd(plan)) == title_key(plan)
    assert title_key('tỷ lệ  giao dịch hành chính thuộc diện "phi tiếp xúc" 100 %.') == title_key(
        plan
    )
    assert title_key("thương mại hoá") == title_key("thương mại hóa")
    assert title_key("Ủy ban") == title_key("Uỷ ban")
    assert title_key("hoàn thành") == title_key(nfd("hoàn thành"))


def test_title_key_keeps_other_differences() -> None:
    """Different words stay different: no diacritics are dropped."""
    assert title_key("hóa") != title_key("hòa")
    assert title_key("Tỷ lệ 90%") != title_key("Tỷ lệ 95%")


def test_every_plan_title_has_its_own_key() -> None:
    """No two of the 44 plan titles collide."""
    assert len({title_key(t.title) for t in targets()}) == 44


def test_mapping_by_title_with_overrides_and_unmapped() -> None:
    """Matching titles map; an override wins; unknown wording is reported, never guessed."""
    plan = list(targets())
    remote = [
        {"ma_chi_tieu": f"CT{i + 1:02d}", "ten_chi_tieu": nfd(t.title.upper())}
        for i, t in enumerate(reversed(plan))
    ]
    vneid = next(r for r in remote if "VNEID" in r["ten_chi_tieu"])
    vneid["ten_chi_tieu"] = "Người dân dùng VNeID"
    result = map_indicators(plan, remote)
    assert result.by_plan["1.1.1"] == "CT44"
    assert result.by_plan["1.5.26"] == "CT01"
    assert "1.5.17" not in result.by_plan
    assert "không tìm thấy" in result.unmapped_plan["1.5.17"]
    assert result.unmapped_remote == {vneid["ma_chi_tieu"]: "Người dân dùng VNeID"}
    fixed = map_indicators(plan, remote, {"1.5.17": vneid["ma_chi_tieu"]})
    assert fixed.by_plan["1.5.17"] == vneid["ma_chi_tieu"]
    assert len(fixed.by_plan) == 44 and not fixed.unmapped_remote
    assert fixed.by_remote[vneid["ma_chi_tieu"]] == "1.5.17"


def test_override_to_a_missing_code_and_duplicate_titles_are_unmapped() -> None:
    """An override naming no remote indicator, or two remotes with one title, map nothing."""
    target = get("1.1.1")
    assert target is not None
    twins = [
        {"ma_chi_tieu": "CT01", "ten_chi_tieu": target.title},
        {"ma_chi_tieu": "CT02", "ten_chi_tieu": target.title + "."},
    ]
    result = map_indicators([target], twins)
    assert result.by_plan == {} and "CT01, CT02" in result.unmapped_plan["1.1.1"]
    missing = map_indicators([target], twins[:1], {"1.1.1": "CT99"})
    assert missing.by_plan == {} and "CT99" in missing.unmapped_plan["1.1.1"]


def test_override_files_json_and_csv(tmp_path: Path) -> None:
    """Overrides load from JSON or from a CSV with a header row."""
    as_json = tmp_path / "map.json"
    as_json.write_text(json.dumps({"1.5.17": "CT07"}), encoding="utf-8")
    as_csv = tmp_path / "map.csv"
    as_csv.write_text("Mã chỉ tiêu,Mã nq71\n1.5.17, CT07\n", encoding="utf-8")
    assert load_overrides(as_json) == {"1.5.17": "CT07"}
    assert load_overrides(as_csv) == {"1.5.17": "CT07"}
    assert load_overrides(None) == {}


def test_periods_statuses_and_numbers() -> None:
    """Periods, statuses and decimal commas convert both ways."""
    assert to_period("2026-11") == "11/2026" and from_period("11/2026") == "2026-11"
    assert from_period("3/2026") == "2026-03"
    assert STATUS_CODES[Status.COMPLETED] == 3 and STATUS_BY_CODE[4] is Status.OVERDUE
    assert format_number(87.5) == "87,5" and format_number(None) == ""
    assert parse_number("1.234,5") == 1234.5 and parse_number("") is None


@given(st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False))
def test_number_round_trip(value: Decimal) -> None:
    """A formatted number parses back to itself, exactly."""
    assert parse_number(format_number(value)) == value


def test_numbers_round_once_to_six_places() -> None:
    """A formula's binary float is sent and read back as the 6-place decimal."""
    assert format_number(99.99999999999999) == "100"
    assert format_number(200 / 3) == "66,666667"
    assert parse_number("66,666667") == Decimal("66.666667")

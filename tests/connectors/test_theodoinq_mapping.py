from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connectors.theodoinq.mapping import (
    content_html,
    content_text,
    format_value,
    meets_target,
    parse_target,
    parse_value,
    rows_by_code,
)


def test_values_use_a_decimal_comma() -> None:
    """Values are written with a decimal comma and no thousands separator."""
    assert format_value(87.5) == "87,5"
    assert format_value(100.0) == "100"
    assert format_value(1234.5) == "1234,5"
    assert format_value(0.0) == "0"
    assert format_value(None) == ""
    assert parse_value("87,5") == 87.5 and parse_value("") is None
    assert parse_value("1.234,5") == 1234.5 and parse_value("abc") is None


@given(st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False))
def test_value_round_trip(value: Decimal) -> None:
    """A formatted value parses back to itself, exactly."""
    assert parse_value(format_value(value)) == value


def test_targets_and_completion() -> None:
    """`idxTarget` reads as operator and value; meeting it is a report of completion."""
    assert parse_target("≥ 90") == (">=", 90.0)
    assert parse_target("100") == ("=", 100.0)
    assert parse_target("≤ 10") == ("<=", 10.0)
    assert parse_target("≥ 2,5") == (">=", 2.5)
    assert parse_target("") is None and parse_target("đúng lộ trình") is None
    assert meets_target(90, "≥ 90") and not meets_target(89.9, "≥ 90")
    assert meets_target(100, "100") and not meets_target(99, "100")
    assert meets_target(7, "≤ 10") and not meets_target(None, "100")
    assert not meets_target(100, "")


def test_notes_are_escaped_not_raw_html() -> None:
    """A note with markup goes in escaped and reads back as the same text."""
    note = "Đạt <b>87,5%</b> & tăng"
    html = content_html(note)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert content_text(html) == note
    assert content_html("") == "" and content_text(None) == ""


def test_rows_are_found_by_tree_position() -> None:
    """Item (17) of 1.5 is the row under the 1.5 heading with idxOrder 17, whatever its id."""
    rows = [
        {"idxId": 900, "parentId": None, "idxType": "GROUP", "idxName": "1.5. Chuyển đổi số"},
        {"idxId": 800, "parentId": None, "idxType": "GROUP", "idxName": "1.1. Phát triển hạ tầng"},
        {"idxId": 5, "parentId": 900, "idxType": "PERCENT", "idxOrder": 17},
        {"idxId": 6, "parentId": 800, "idxType": "PERCENT", "idxOrder": 17},
        {"idxId": 7, "parentId": 800, "idxType": "PERCENT", "idxOrder": 2},
    ]
    found = rows_by_code(rows)
    assert found["1.5.17"]["idxId"] == 5
    assert found["1.1.2"]["idxId"] == 7
    assert found["1.1.17"]["idxId"] == 6
    assert "1.5.1" not in found

import json
import subprocess
import sys
import unicodedata
from collections import Counter

from models.catalogue import SECTIONS, get, targets


def test_sections_count_as_the_plan_says() -> None:
    """The five sections hold 2, 6, 5, 5 and 26 targets, 44 in all."""
    counts = Counter(t.section for t in targets())
    assert [counts[s.code] for s in SECTIONS] == [2, 6, 5, 5, 26]
    assert [s.size for s in SECTIONS] == [2, 6, 5, 5, 26]
    assert len(targets()) == 44


def test_codes_are_section_then_item_in_order() -> None:
    """Codes run 1.<section>.1 … n without gaps."""
    for s in SECTIONS:
        items = [t.item for t in targets() if t.section == s.code]
        assert items == list(range(1, s.size + 1))
        assert all(t.code == f"{t.section}.{t.item}" for t in targets())


def test_text_is_nfc() -> None:
    """Every title is stored in NFC."""
    for t in targets():
        assert unicodedata.normalize("NFC", t.title) == t.title
        assert unicodedata.normalize("NFC", t.section_title) == t.section_title


def test_transcribed_targets() -> None:
    """Spot checks of the plan's numbers, operators and kinds."""
    vneid = get("1.5.17")
    assert vneid is not None
    assert (vneid.unit, vneid.target_operator, vneid.target_value) == ("%", ">=", 90.0)
    staff = get("1.3.3")
    assert staff is not None and (staff.unit, staff.target_value) == ("người", 500.0)
    assert get("1.2.2") is not None and get("1.2.2").target_operator == "="  # type: ignore[union-attr]
    dti = get("1.5.1")
    assert dti is not None and dti.kind == "ranking" and dti.target_operator == "<="
    open_data = get("1.5.25")
    assert open_data is not None and open_data.kind == "on_schedule"
    assert open_data.target_value is None and open_data.target_operator is None
    assert get("1.6.1") is None


def test_is_met_by() -> None:
    """A value meets a target by its operator; no operator means never met by a number."""
    vneid, dti, fully = get("1.5.17"), get("1.5.1"), get("1.5.24")
    assert vneid and dti and fully
    assert vneid.is_met_by(90) and not vneid.is_met_by(89.9) and not vneid.is_met_by(None)
    assert dti.is_met_by(7) and not dti.is_met_by(11)
    assert fully.is_met_by(100) and not fully.is_met_by(99)
    qualitative = get("1.5.26")
    assert qualitative and not qualitative.is_met_by(100)


def test_cli_catalogue_json() -> None:
    """`nqsync catalogue --json` prints the 44 targets with the documented fields."""
    out = subprocess.run(
        [sys.executable, "-m", "flows", "catalogue", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = json.loads(out)
    assert len(rows) == 44
    first = rows[0]
    assert {"code", "section", "title", "unit", "target_operator", "target_value",
            "deadline"} <= first.keys()
    assert first["deadline"] == "2026-12-31"
    assert rows[-1]["code"] == "1.5.26"
    assert next(r for r in rows if r["code"] == "1.3.3")["target_value"] == 500

"""API drift: each kind switched on at a mock gives its `drift` warning, and a change in a
field nqsync reads or writes stops the writes to that system only (NQSYNC_ON_DRIFT=stop)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import World, world


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def change_a_value(rig: World) -> None:
    report = rig.source / "VHXH_2026-11.csv"
    text = report.read_text(encoding="utf-8-sig")
    report.write_text(text.replace("1.2.4,,11/2026,60,60,", "1.2.4,,11/2026,65,65,"),
                      encoding="utf-8-sig")


def writes(rig: World) -> dict[str, int]:
    return {system: int(rig.state(system)["writes"]) for system in rig.urls}


CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("nq71", {"path": "/bao-cao$", "kind": "add_field", "field": "ma_qr", "value": "x"}, False),
    ("nq71", {"path": "/bao-cao$", "kind": "rename_field", "field": "gia_tri_thuc_hien",
              "to": "gia_tri"}, True),
    ("theodoinq", {"path": "rp_objidx_data$", "kind": "retype_field", "field": "idxValue",
                   "to": "number"}, True),
    ("nq71", {"path": "/bao-cao$", "kind": "add_enum_value", "field": "tinh_trang",
              "value": 9}, True),
]


@pytest.mark.parametrize(("system", "rule", "stops"), CASES,
                         ids=[f"{s}-{r['kind']}" for s, r, _ in CASES])
def test_each_kind_of_drift_is_reported_and_a_used_field_stops_that_system(
    rig: World, system: str, rule: dict[str, Any], stops: bool
) -> None:
    """The warning names the change; writes stop on that system only when nqsync uses it."""
    first = rig.sync()
    assert not [w for w in first.report.warnings if w.kind == "drift"]
    rig.admin(system, "POST", "drift", {"rules": [rule]})
    change_a_value(rig)
    before = writes(rig)
    result = rig.sync()
    drift = [w for w in result.report.warnings if w.kind == "drift"]
    assert drift and all(w.detail.startswith(f"{system}: ") for w in drift)
    assert any(rule["field"] in w.detail for w in drift)
    other = "nq71" if system == "theodoinq" else "theodoinq"
    after = writes(rig)
    assert after[other] > before[other]
    assert result.report.systems[other].error is None
    if stops:
        assert after[system] == before[system]
        assert "API" in (result.report.systems[system].error or "")
    else:
        assert after[system] > before[system]
        assert result.report.systems[system].error is None


def test_warn_only_reports_and_still_writes(
    rig: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With NQSYNC_ON_DRIFT=warn a drift in a used field is reported and writes go on."""
    rig.sync()
    monkeypatch.setenv("NQSYNC_ON_DRIFT", "warn")
    rig.admin("theodoinq", "POST", "drift", {"rules": [
        {"path": "rp_objidx_data$", "kind": "add_enum_value", "field": "evalStatus",
         "value": "CHO_DUYET"}]})
    change_a_value(rig)
    before = writes(rig)
    result = rig.sync()
    assert [w for w in result.report.warnings if w.kind == "drift" and "evalStatus" in w.detail]
    assert result.report.systems["theodoinq"].error is None
    assert writes(rig)["theodoinq"] > before["theodoinq"]

"""The fault matrix: every fault on every write endpoint of both systems, seeds 1–3.

Each scenario faults the first request of each write endpoint and a share of the rest (drawn
from the seed), runs a sync, then one clean rerun: the remotes must then equal a clean run's,
with no duplicate report, document, attachment or file and no row lost; a further run finds
everything in sync and writes nothing. Faults are stated as `/_admin/faults` rules, so each
scenario can be replayed by hand against `nqsync mock-servers`.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import WRITE_ENDPOINTS, World, duplicates, statuses, world

pytestmark = pytest.mark.reliability

FAULTS: dict[str, dict[str, Any]] = {
    "http_500": {},
    "http_503": {},
    "http_429": {},
    "reset": {},
    "delay": {"delay_ms": 1600},
    "timeout_after_commit": {"delay_ms": 1600},
    "expire_token": {},
}
"""With the client's timeout at 1 s, `delay` lands the original after the client gave up."""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the remotes hold after a clean run."""
    with world(tmp_path_factory.mktemp("baseline")) as rig:
        assert not rig.sync().report.failed()
        return rig.view()


def rules_for(fault: str, extra: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rules: dict[str, list[dict[str, Any]]] = {}
    for system, endpoints in WRITE_ENDPOINTS.items():
        first = [{"method": m, "path": p, "fault": fault, "times": 1, **extra}
                 for m, p in endpoints]
        share = [{"method": m, "path": p, "fault": fault, "rate": 0.25, **extra}
                 for m, p in endpoints]
        rules[system] = first + share
    return rules


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_on_every_write_endpoint_converges(
    rig: World, baseline: dict[str, Any], fault: str, seed: int
) -> None:
    """After the faulted run and one clean rerun: the clean baseline, nothing twice."""
    rig.faults(rules_for(fault, FAULTS[fault]), seed)
    rig.sync()
    rig.clear_faults()
    rerun = rig.sync()
    for system, counts in statuses(rerun).items():
        assert counts["conflict"] == 0 and counts["failed"] == 0, (system, counts)
    view = rig.view()
    assert duplicates(view) == []
    assert view == baseline
    before = {s: rig.state(s)["writes"] for s in rig.urls}
    settled = rig.sync()
    assert all(set(c) == {"in_sync"} for c in statuses(settled).values())
    assert {s: rig.state(s)["writes"] for s in rig.urls} == before
    assert rig.open_intents() == 0

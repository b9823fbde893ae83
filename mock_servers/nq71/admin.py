"""The nq71 mock's `/_admin` surface (no auth; not in the real system, nor in `/openapi.json`).

`GET /_admin/state` answers::

    {
      "seed": int,                       # the seed the state was last seeded with
      "config": {"ma_don_vi", "ma_dinh_danh", "client_id", "token_ttl", "max_in_flight",
                 "latency_ms"},          # never the secret
      "indicators": [{"ma_chi_tieu", "ten_chi_tieu" (NFD), "don_vi_tinh", "chi_tieu_ke_hoach",
                      "han_hoan_thanh", "plan_code" (e.g. "1.5.17"), "reworded": bool}],
      "reports": [{"id", "ma_don_vi", "ma_chi_tieu", "ky_bao_cao", "gia_tri_thuc_hien",
                   "ty_le_hoan_thanh", "tinh_trang", "ghi_chu", "nguoi_bao_cao",
                   "ngay_cap_nhat", "saves": int (POST + PUTs + human edits),
                   "so_minh_chung": int,
                   "minh_chung": [{"id", "report_id", "tai_lieu_id", "tieu_de",
                                   "so_hieu_van_ban", "ngay_ban_hanh", "sha256",
                                   "tham_dinh": {"ket_qua": 0|1|2, "y_kien"}}]}],   # by id
      "uploads": [{"upload_id", "ten_tep", "kich_thuoc", "sha256", "loai_tai_lieu",
                   "created_at" (epoch s), "tai_lieu_id" (null until complete),
                   "da_nhan": [int], "hoan_tat": bool}],      # unexpired ones
      "documents": [{"tai_lieu_id", "upload_id", "ten_tep", "kich_thuoc", "sha256",
                     "loai_tai_lieu", "dinh_dang": "pdf"|"jpeg"|"png"|"docx"|"xlsx"}],
      "counts": {"tokens": issued, "posts": reports created, "puts": reports replaced,
                 "attachments": created, "parts": part uploads accepted (re-sends included),
                 "requests": API requests received (any outcome), "throttled": 429s of the
                 in-flight limit, "unauthorized": 401s of the bearer check,
                 "peak_in_flight": most API requests in flight at once},
      "writes": int, "frozen": bool, "held": int,
      "freeze": null | {"at_writes": int, "hold_answers": bool},
      "drift": [<drift rule as given>]
    }

`writes` counts the API requests since the last reset that changed the stored state: a report
created (`POST bao-cao`) or replaced (`PUT bao-cao/{id}`), an upload started (`khoi-tao`), a part
stored (a re-sent part already held is not a write), an upload completed (the first `hoan-tat`;
asking again answers the same id and is not a write), an attachment created.

`POST /_admin/reset` (`{"seed"?: int}`) empties everything (tokens and counts too), seeds again
(with the app's seed unless given), clears the fault and drift rules, releases any freeze and
counts writes from 0. `POST /_admin/human-edit`
`{"id", "gia_tri_thuc_hien"?, "ty_le_hoan_thanh"?, "tinh_trang"?, "ghi_chu"?}` changes a report as
a person would in the web UI (no evidence check; `ngay_cap_nhat` now; one more save).
`POST /_admin/review` `{"id" (attachment), "ket_qua": 0|1|2, "y_kien"?}` sets a review. Unknown
ids → HTTP 404. `POST`, `DELETE`, `GET /_admin/faults`: fault rules; `POST`, `DELETE`,
`GET /_admin/drift`: drift rules (the payload key is `du_lieu`); `POST`, `DELETE /_admin/freeze`:
the freeze, a held request being answered with the back end's HTML 503 page (all three below).
A malformed body on `/_admin` → HTTP 422 `{"detail": [...]}`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException

from mock_servers.common.surface import ADMIN_PREFIX
from mock_servers.nq71.api import Ctx
from mock_servers.nq71.schemas import HumanEditIn, ResetIn, ReviewIn

_SHOWN_SETTINGS = (
    "ma_don_vi",
    "ma_dinh_danh",
    "client_id",
    "token_ttl",
    "max_in_flight",
    "latency_ms",
)

router = APIRouter(prefix=ADMIN_PREFIX, tags=["admin"])


@router.post("/reset")
async def reset(ctx: Ctx, body: Annotated[ResetIn | None, Body()] = None) -> dict[str, Any]:
    """Empty state, seeded again; no fault or drift rules, no freeze, writes counted from 0."""
    seed = ctx.config.seed if body is None or body.seed is None else body.seed
    ctx.reset(seed)
    return {"ok": True, "seed": seed}


@router.get("/state")
async def state(ctx: Ctx) -> dict[str, Any]:
    """Everything the mock holds (shape in the module docstring)."""
    snapshot = ctx.store.snapshot(ctx.now())
    config = {name: getattr(ctx.config, name) for name in _SHOWN_SETTINGS}
    return {
        "seed": snapshot.pop("seed"),
        "config": config,
        **snapshot,
        **ctx.gate.snapshot(),
        "drift": ctx.drift.snapshot(),
    }


@router.post("/human-edit")
async def human_edit(ctx: Ctx, body: HumanEditIn) -> dict[str, Any]:
    """A person's change to a report in the web UI."""
    changes = body.model_dump(exclude={"id"}, exclude_none=True)
    if not ctx.store.update_report(body.id, changes, ctx.stamp()):
        raise HTTPException(404, f"no report {body.id}")
    report = ctx.store.get_report(body.id)
    assert report is not None
    return {"id": report.id, "ngay_cap_nhat": report.ngay_cap_nhat, "saves": report.saves}


@router.post("/review")
async def review(ctx: Ctx, body: ReviewIn) -> dict[str, Any]:
    """A reviewer's verdict on an attachment."""
    if not ctx.store.review(body.id, body.ket_qua, body.y_kien):
        raise HTTPException(404, f"no attachment {body.id}")
    return {"id": body.id, "tham_dinh": {"ket_qua": body.ket_qua, "y_kien": body.y_kien}}

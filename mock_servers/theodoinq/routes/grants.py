"""`GET /report_api/api/rp_grant`: the reporting assignments."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from mock_servers.theodoinq.docs import api_responses
from mock_servers.theodoinq.routes.deps import Account, MockDep, ok
from mock_servers.theodoinq.schemas import Envelope, Grant

router = APIRouter(tags=["report"])


@router.get(
    "/report_api/api/rp_grant", response_model=Envelope[list[Grant]], responses=api_responses()
)
async def list_grants(
    mock: MockDep,
    _user: Account,
    year: Annotated[int | None, Query(ge=1, le=9999, description="Năm.")] = None,
) -> JSONResponse:
    """The account's organisation's grants (of one year if given)."""
    grants = mock.store.grants(mock.accounts.organisation, year)
    return ok([g.wire() for g in grants])

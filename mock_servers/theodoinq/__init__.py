"""Mock of theodoinq, the central resolution-monitoring system, per `contracts/theodoinq.md`.

`create_app(config, clock=, sleep=)` builds a fresh, seeded FastAPI app: the contract's API as
one router per resource (`routes/`: auth, grants, report rows, files) and the mock's own `/_admin`
surface (`routes/admin.py`, served as its own OpenAPI document at `/_admin/openapi.json` and left
out of `/openapi.json`). The indicator rows are seeded from the mocks' own transcription of the
plan (`mock_servers.common.plan`), never from nqsync's catalogue.
"""

from mock_servers.theodoinq.app import create_app
from mock_servers.theodoinq.config import TheodoinqMockConfig

__all__ = ["TheodoinqMockConfig", "create_app"]

"""Mock of theodoinq, the central resolution-monitoring system, per `contracts/theodoinq.md`.

`create_app(config)` builds a fresh, seeded FastAPI app. Besides the contract's API it serves
`/_admin` (no auth, not in the OpenAPI document):

- `POST /_admin/reset` → `{"generation": n}`: empty state (grants, rows, files, tokens, counters,
  rate-limit buckets, fault rules), then re-seed with new ids.
- `GET /_admin/state[?grantId=n]` → everything the mock holds::

      {"seed": int, "generation": int, "organisation": str, "username": str,
       "grants": [{"grantId", "resolution", "periodType", "fromDate", "toDate", "deadline",
                   "grantStatus", "organisation": str, "year": int,
                   "rows": [{<every field of a report row>, "saves": int}]}],
       "files": [{"fileId", "fileName", "size", "sha256", "uploadTime",
                  "owner": str, "fileType": "PDF" | "JPEG" | "PNG" | "DOCX" | "XLSX"}],
       "counts": {"logins": int, "saves": int, "submits": int, "uploads": int,
                  "requests": int, "rateLimited": int}}

  Rows are in the order the API serves them. A row's `saves` counts the writes that changed it
  (a PUT that changed or cleared it, or a human edit). `counts`: `logins` successful logins;
  `saves` PUT requests that saved a body; `submits` successful submissions; `uploads` files
  created; `requests` every API request that reached the gateway (throttled ones included,
  `/_admin` and the documentation excluded); `rateLimited` requests answered 429 by the gateway.
  Files appear in upload order; grants by id, with the other organisation's grant too.
- `POST /_admin/human-edit` `{"grantId", "idxId", "idxValue"?, "idxContent"?, "fileIds"?,
  "user"?="web.user"}` → the row (with `saves`); unchecked; stamps `updateUser`/`updateTime`.
- `POST /_admin/review` `{"grantId", "idxId", "evalStatus", "evalComment"?=""}` → the row.
- `POST /_admin/lock` `{"grantId", "grantStatus"}` → the grant.
- `POST`, `DELETE`, `GET /_admin/faults`: fault rules (mock_servers.common.faults).

Unknown grant or row on `/_admin` → HTTP 404 envelope `NOT_FOUND`; a malformed body → HTTP 400
envelope `INVALID_REQUEST`.
"""

from mock_servers.theodoinq.app import create_app
from mock_servers.theodoinq.config import TheodoinqMockConfig

__all__ = ["TheodoinqMockConfig", "create_app"]

"""``POST /api/v1/claims/batch``: up to 1,000 reports in one request, for partner systems
and catastrophe desks. Each report is checked and registered on its own (``claims.bulk``):
the good ones land, the bad ones come back with their index and field errors."""

from __future__ import annotations

from django.utils import timezone
from ninja import Body, Field, Router, Schema, Status

from claimdesk.cases.api import CaseProblem
from claimdesk.claims.bulk import MAX_BATCH, claims_import
from claimdesk.claims.models import Channel
from claimdesk.types import AuthedRequest

router = Router(tags=["claims"])
REPORTS = Body(..., max_length=MAX_BATCH)  # a JSON array of at most 1,000 reports


class BatchReportIn(Schema):
    """One report, loosely typed on purpose: a value that cannot be read (a bad time, an
    amount in words) is that report's error in the answer, not a 422 for the whole batch."""

    policy_no: str | None = Field(None, max_length=32)
    insured_name: str | None = Field(None, max_length=60)
    loss_time: str | None = Field(
        None,
        max_length=40,
        description="ISO 8601; without an offset it is read as Asia/Shanghai time.",
    )
    loss_place: str | None = Field(None, max_length=200)
    loss_cause: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    loss_type: str | None = Field(
        None, max_length=20, description="auto, medical, critical_illness, accident or property"
    )
    estimated_amount: str | float | None = Field(None, description="yuan, e.g. 12800.50")
    contact_phone: str | None = Field(None, max_length=30)


class RowProblem(Schema):
    row: int = Field(description="index of the report in the submitted list, from 0")
    errors: dict[str, str]


class BatchOut(Schema):
    created: list[str] = Field(description="claim numbers of the registered reports, in order")
    errors: list[RowProblem]


@router.post("/claims/batch", response={200: BatchOut, 400: CaseProblem, 403: CaseProblem})
def claims_batch(
    request: AuthedRequest,
    reports: list[BatchReportIn] = REPORTS,
):
    """Register up to 1,000 reports at once (staff taking reports only). Possible duplicates,
    within the batch or of existing claims, are linked, never merged. An agent sending the
    batch owns the claims; anyone else's are spread over the agents by load."""
    result = claims_import(
        reporter=request.user,
        rows=[(i, r.model_dump()) for i, r in enumerate(reports)],
        now=timezone.now(),
        channel=Channel.BULK,
    )
    return Status(
        200,
        {
            "created": [number for _row, number in result.created],
            "errors": [{"row": e.row, "errors": e.errors} for e in result.errors],
        },
    )

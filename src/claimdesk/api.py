"""The REST API: one NinjaAPI, routers from the apps, errors mapped to clear 4xx answers."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DataError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, django_auth

from claimdesk.analytics.api import router as analytics_router
from claimdesk.assistant.api import router as assistant_router
from claimdesk.cases.api import router as cases_router
from claimdesk.cases.api import sla_router as cases_sla_router
from claimdesk.cases.services import CaseError
from claimdesk.claims.adjudication_api import router as adjudication_router
from claimdesk.claims.api import router as claims_router
from claimdesk.claims.bulk_api import router as claims_bulk_router
from claimdesk.claims.reserves_api import router as reserves_router
from claimdesk.compliance.api import router as compliance_router
from claimdesk.documents.api import router as documents_router
from claimdesk.feedback.api import router as feedback_router
from claimdesk.investigation.api import router as investigation_router
from claimdesk.notices.api import router as notices_router
from claimdesk.partners.api import router as partners_router
from claimdesk.payments.api import router as payments_router
from claimdesk.policies.api import router as policies_router
from claimdesk.recoveries.api import router as recoveries_router
from claimdesk.search.api import router as search_router
from claimdesk.service.api import router as service_router
from claimdesk.servicing.api import router as servicing_router
from claimdesk.staff.api import me_router
from claimdesk.staff.api import router as auth_router
from claimdesk.staff.services import token_lookup
from claimdesk.stp.api import router as stp_router
from claimdesk.underwriting.api import router as underwriting_router
from claimdesk.workdays.api import router as workdays_router
from claimdesk.workdays.calendar import FIRST_DAY, LAST_DAY, OutsideCalendar


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        row = token_lookup(token=token, now=timezone.now())
        if row is None:
            return None
        request.user = row.user
        setattr(request, "api_token_id", row.pk)  # noqa: B010  # what /auth/revoke ends
        return row.user


_PROBLEM = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_INVALID = {
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictParser(Parser):
    """JSON and query strings without NUL characters, which PostgreSQL text cannot hold.

    Refused here, they are a clear 400 (body) or 422 (query) instead of a database error.
    """

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValueError("NUL character in the request body")
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        result = super().parse_querydict(data, list_fields, request)
        bad = [key for key, value in result.items() if _has_nul(key) or _has_nul(value)]
        if bad:
            raise ValidationError(
                [
                    {"type": "string_nul", "loc": ["query", k], "msg": "NUL is not allowed"}
                    for k in bad
                ]
            )
        return result


class RFC3339Encoder(NinjaJSONEncoder):
    """Times as RFC 3339 can write them: an offset of whole minutes.

    Before 1901 Asia/Shanghai keeps local mean time (+08:05:43), which ISO 8601 with
    seconds in the offset can say but RFC 3339 (OpenAPI's ``date-time``) cannot: such a time
    is written in UTC instead, the same instant.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            offset = o.utcoffset()
            if offset is not None and offset % timedelta(minutes=1):
                o = o.astimezone(UTC)
        return super().default(o)


class RFC3339Renderer(JSONRenderer):
    encoder_class = RFC3339Encoder


# What any operation may answer besides what it declares itself: 400 (a body that is not
# JSON, a value the database cannot hold), 401/403 (credentials, permissions), 404 (an object
# that is not there or not the caller's), 409 (a state that does not allow the step), 413 (a
# body or an upload too large), 414 (an address too long for the server in front), 422 (input
# that fails its schema) and 429 (too many attempts).
_REFUSALS: dict[int, tuple[str, dict]] = {
    400: ("Bad request: a body that is not JSON, or a value out of range", _PROBLEM),
    401: ("Not authenticated", _PROBLEM),
    403: ("Not allowed", _PROBLEM),
    404: ("Not found, or not the caller's", _PROBLEM),
    409: ("The object's state does not allow this", _PROBLEM),
    413: ("Request too large", _PROBLEM),
    414: ("Request address too long", _PROBLEM),
    422: ("Input fails its schema", _INVALID),
    429: ("Too many requests; retry after the time in Retry-After", _PROBLEM),
}


class ClaimDeskAPI(NinjaAPI):
    """A NinjaAPI whose schema also declares the refusals every endpoint can give.

    django-ninja answers 401 (no or bad credentials), 400 (a body that is not JSON) and
    422 (input that fails its schema) on its own without listing them, and the exception
    handlers below answer 400, 403, 404 and 409 from any operation; clients and
    schema-driven fuzzers rely on the list being complete.
    """

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for op in operations.values():
                responses = op.setdefault("responses", {})
                declared = {int(code) for code in responses}
                for code, (description, body) in _REFUSALS.items():
                    if code == 401 and not op.get("security"):
                        continue
                    if code not in declared:
                        responses[code] = _answer(description, body)
        return schema


api = ClaimDeskAPI(
    title="ClaimDesk API",
    version="1",
    description="Claims case tracking and customer service. Authenticate with "
    "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    auth=[BearerToken(), django_auth],
    parser=StrictParser(),
    renderer=RFC3339Renderer(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("/v1/auth", auth_router)
api.add_router("/v1", me_router)
api.add_router("/v1", cases_router)
api.add_router("/v1/workdays", workdays_router)
api.add_router("/v1/workdays", cases_sla_router)
api.add_router("/v1", policies_router)
api.add_router("/v1", documents_router)
api.add_router("/v1", claims_bulk_router)  # before claims: /claims/batch is no claim number
api.add_router("/v1", claims_router)
api.add_router("/v1", adjudication_router)
api.add_router("/v1", reserves_router)
api.add_router("/v1", recoveries_router)
api.add_router("/v1", stp_router)
api.add_router("/v1", investigation_router)
api.add_router("/v1", payments_router)
api.add_router("/v1", notices_router)
api.add_router("/v1", service_router)
api.add_router("/v1", servicing_router)
api.add_router("/v1", underwriting_router)
api.add_router("/v1", compliance_router)
api.add_router("/v1", assistant_router)
api.add_router("/v1", feedback_router)
api.add_router("/v1", partners_router)
api.add_router("/v1", analytics_router)
api.add_router("/v1", search_router)


@api.exception_handler(CaseError)
def case_error(request: HttpRequest, exc: CaseError):
    return api.create_response(request, {"detail": exc.message, **exc.details}, status=exc.status)


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError):
    """Input the database cannot store (e.g. a NUL in a path): the client's fault, not a 500."""
    return api.create_response(
        request, {"detail": "the request holds data that cannot be stored"}, status=400
    )


@api.exception_handler(OutsideCalendar)
def outside_calendar(request: HttpRequest, exc: OutsideCalendar):
    """Working-day arithmetic that would leave the calendar (e.g. many working days from a
    date near its end): a clear 400 naming the range, not a 500."""
    detail = _(
        "Working days are known from %(first)s to %(last)s; the answer would need %(day)s."
    ) % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat(), "day": exc.day.isoformat()}
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(OverflowError)
def overflow_error(request: HttpRequest, exc: OverflowError):
    """A number too large for a database column (SQLite says so with an OverflowError where
    PostgreSQL raises a DataError) or a date pushed past the calendar's end: the client's
    fault, not a 500. The schemas bound what they can; this is the net under them."""
    return api.create_response(
        request, {"detail": "the request holds a number or a date out of range"}, status=400
    )

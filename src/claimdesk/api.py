"""The REST API: one NinjaAPI, routers from the apps, errors mapped to clear 4xx answers."""

from typing import Any

from django.db import DataError
from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from claimdesk.analytics.api import router as analytics_router
from claimdesk.assistant.api import router as assistant_router
from claimdesk.cases.api import router as cases_router
from claimdesk.cases.api import sla_router as cases_sla_router
from claimdesk.cases.services import CaseError
from claimdesk.claims.adjudication_api import router as adjudication_router
from claimdesk.claims.api import router as claims_router
from claimdesk.claims.bulk_api import router as claims_bulk_router
from claimdesk.compliance.api import router as compliance_router
from claimdesk.documents.api import router as documents_router
from claimdesk.feedback.api import router as feedback_router
from claimdesk.investigation.api import router as investigation_router
from claimdesk.notices.api import router as notices_router
from claimdesk.payments.api import router as payments_router
from claimdesk.policies.api import router as policies_router
from claimdesk.search.api import router as search_router
from claimdesk.service.api import router as service_router
from claimdesk.servicing.api import router as servicing_router
from claimdesk.staff.api import me_router
from claimdesk.staff.api import router as auth_router
from claimdesk.staff.services import token_lookup
from claimdesk.underwriting.api import router as underwriting_router
from claimdesk.workdays.api import router as workdays_router


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


class ClaimDeskAPI(NinjaAPI):
    """A NinjaAPI whose schema also declares the refusals every endpoint can give.

    django-ninja answers 401 (no or bad credentials), 400 (a body that is not JSON) and
    422 (input that fails its schema) on its own without listing them; clients and
    schema-driven fuzzers rely on the list being complete.
    """

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for op in operations.values():
                responses = op.setdefault("responses", {})
                if op.get("security"):
                    responses.setdefault(401, _answer("Not authenticated", _PROBLEM))
                if op.get("requestBody"):
                    responses.setdefault(400, _answer("Body is not JSON", _PROBLEM))
                if op.get("requestBody") or op.get("parameters"):
                    responses.setdefault(422, _answer("Input fails its schema", _INVALID))
        return schema


api = ClaimDeskAPI(
    title="ClaimDesk API",
    version="1",
    description="Claims case tracking and customer service. Authenticate with "
    "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    auth=[BearerToken(), django_auth],
    parser=StrictParser(),
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
api.add_router("/v1", investigation_router)
api.add_router("/v1", payments_router)
api.add_router("/v1", notices_router)
api.add_router("/v1", service_router)
api.add_router("/v1", servicing_router)
api.add_router("/v1", underwriting_router)
api.add_router("/v1", compliance_router)
api.add_router("/v1", assistant_router)
api.add_router("/v1", feedback_router)
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

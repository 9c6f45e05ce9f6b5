"""The REST API: one NinjaAPI, routers from the apps, errors mapped to clear 4xx answers."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from claimdesk.cases.api import router as cases_router
from claimdesk.cases.services import CaseError
from claimdesk.policies.api import router as policies_router
from claimdesk.staff.api import me_router
from claimdesk.staff.api import router as auth_router
from claimdesk.staff.services import token_user
from claimdesk.workdays.api import router as workdays_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_user(token=token, now=timezone.now())
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="ClaimDesk API",
    version="1",
    description="Claims case tracking and customer service. Authenticate with "
    "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    auth=[BearerToken(), django_auth],
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("/v1/auth", auth_router)
api.add_router("/v1", me_router)
api.add_router("/v1", cases_router)
api.add_router("/v1/workdays", workdays_router)
api.add_router("/v1", policies_router)


@api.exception_handler(CaseError)
def case_error(request: HttpRequest, exc: CaseError):
    return api.create_response(request, {"detail": exc.message, **exc.details}, status=exc.status)

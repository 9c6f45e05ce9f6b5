from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claimdesk.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("investigation/", include("claimdesk.investigation.urls")),
    path("payments/", include("claimdesk.payments.urls")),
    path("notices/", include("claimdesk.notices.urls")),
    path("service/", include("claimdesk.service.urls")),
    path("servicing/", include("claimdesk.servicing.urls")),
    path("underwriting/", include("claimdesk.underwriting.urls")),
    path("compliance/", include("claimdesk.compliance.urls")),
    path("stp/", include("claimdesk.stp.urls")),
    path("assistant/", include("claimdesk.assistant.urls")),
    path("feedback/", include("claimdesk.feedback.urls")),
    path("analytics/", include("claimdesk.analytics.urls")),
    path("search/", include("claimdesk.search.urls")),
    path("", include("claimdesk.web.urls")),
]

handler403 = "claimdesk.web.errors.permission_denied"

"""Analytics pages: the manager dashboard, one figure, the cases behind it, exports, the
quarterly white paper."""

from django.urls import path

from claimdesk.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.cases_behind, name="cases"),
    path("metrics/<slug:code>/", views.metric_detail, name="metric"),
    path("whitepaper/<str:quarter>/", views.white_paper, name="whitepaper"),
    path("export/<slug:code>.csv", views.export_csv, name="export_csv"),
    path("export/<slug:code>.xlsx", views.export_xlsx, name="export_xlsx"),
]

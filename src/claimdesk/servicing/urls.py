"""Policy-service pages."""

from django.urls import path

from claimdesk.servicing import views

app_name = "servicing"
urlpatterns = [
    path("", views.my_requests, name="mine"),
    path("requests/<str:number>/", views.request_detail, name="request"),
    path("requests/<str:number>/act/", views.request_act, name="request_act"),
    path("policies/<str:number>/", views.policy_on_date, name="policy"),
    path(
        "policies/<str:number>/premiums/<int:instalment>/paid/",
        views.premium_record,
        name="premium_record",
    ),
]

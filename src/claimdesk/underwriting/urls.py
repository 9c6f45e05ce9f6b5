"""Underwriting pages."""

from django.urls import path

from claimdesk.underwriting import views

app_name = "underwriting"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("<str:number>/", views.application_detail, name="application"),
    path("<str:number>/decide/", views.application_decide, name="decide"),
    path("<str:number>/sign/", views.application_sign, name="sign"),
    path("<str:number>/query/", views.application_query, name="query"),
    path("<str:number>/queries/<int:query_id>/answer/", views.query_answer, name="answer"),
]

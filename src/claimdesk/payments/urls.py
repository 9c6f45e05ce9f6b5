"""Payments pages: the finance workbench and its actions."""

from django.urls import path

from claimdesk.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("claims/<str:number>/instruct/", views.instruct, name="instruct"),
    path("<str:reference>/<str:action>/", views.act, name="act"),
]

"""Compliance pages: the landing page, live check fragment, held messages, QA queue and score card."""

from django.urls import path

from claimdesk.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.index, name="index"),
    path("check-fragment/", views.check_fragment, name="check_fragment"),
    path("held/", views.held_list, name="held_list"),
    path("held/<int:pk>/release/", views.held_release, name="held_release"),
    path("qa/", views.qa_list, name="qa_list"),
    path("qa/<int:pk>/", views.qa_detail, name="qa_detail"),
]

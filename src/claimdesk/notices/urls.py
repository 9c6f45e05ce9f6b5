"""Notices: the portal's PDF download."""

from django.urls import path

from claimdesk.notices import views

app_name = "notices"
urlpatterns = [
    path("<int:notice_id>/pdf", views.notice_pdf, name="pdf"),
]

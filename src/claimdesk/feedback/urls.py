"""Surveys (no login, by token) and the service-star board."""

from django.urls import path

from claimdesk.feedback import views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.survey_page, name="survey"),
    path("stars/", views.star_board_page, name="stars"),
]

"""Surveys (no login, by token), the service-star board and call-backs after a dissatisfied answer."""

from django.urls import path

from claimdesk.feedback import views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.survey_page, name="survey"),
    path("stars/", views.star_board_page, name="stars"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_page, name="callback"),
]

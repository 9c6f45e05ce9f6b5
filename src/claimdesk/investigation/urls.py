"""Investigation pages: the survey page and the published appraisal selection rule."""

from django.urls import path

from claimdesk.investigation import views

app_name = "investigation"
urlpatterns = [
    path("surveys/<int:survey_id>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:survey_id>/report/", views.survey_report, name="survey_report"),
    path("appraisal-rule/", views.appraisal_rule, name="appraisal_rule"),
]

from django.urls import path

from claimdesk.stp import views

app_name = "stp"
urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/<str:action>/", views.review_act, name="review_act"),
]

from django.urls import path

from claimdesk.assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.chat, name="chat"),
    path("ask/", views.ask, name="ask"),
    path("handover/", views.hand_over, name="handover"),
    path("restart/", views.restart, name="restart"),
]

"""Service-desk pages."""

from django.urls import path

from claimdesk.service import views

app_name = "service"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rows/", views.queue_rows, name="queue_rows"),
    path("my/", views.my_tickets, name="my_tickets"),
    path("call-back/", views.callback, name="callback"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/act/", views.ticket_act, name="ticket_act"),
    path("tickets/<str:number>/handoff/", views.ticket_handoff, name="ticket_handoff"),
    path("tickets/<str:number>/rca/", views.ticket_rca, name="ticket_rca"),
    path(
        "tickets/<str:number>/rca/actions/<int:action_id>/done/",
        views.corrective_action_done,
        name="corrective_action_done",
    ),
]

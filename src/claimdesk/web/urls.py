from django.urls import path

from claimdesk.web import adjudication, portal, reserves, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("work/", views.my_work, name="my_work"),
    path("work/rows/", views.my_work_rows, name="my_work_rows"),
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/act/", views.case_act, name="case_act"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/hotline/", views.claim_hotline, name="claim_hotline"),
    path("claims/<str:number>/", views.claim_detail, name="claim_detail"),
    path("claims/<str:number>/documents/", views.claim_document_add, name="claim_document_add"),
    path("claims/<str:number>/items/<int:item_id>/", views.claim_item_act, name="claim_item_act"),
    path("claims/<str:number>/loss-items/", adjudication.loss_item_add, name="loss_item_add"),
    path(
        "claims/<str:number>/loss-items/<int:item_id>/exclusion/",
        adjudication.loss_item_exclude,
        name="loss_item_exclude",
    ),
    path("claims/<str:number>/decisions/", adjudication.decision_propose, name="decision_propose"),
    path(
        "claims/<str:number>/interim-decisions/",
        adjudication.interim_propose,
        name="interim_propose",
    ),
    path(
        "claims/<str:number>/decisions/<int:decision_id>/",
        adjudication.decision_act,
        name="decision_act",
    ),
    path("claims/<str:number>/reserve/", reserves.reserve_adjust, name="reserve_adjust"),
    path(
        "claims/<str:number>/reserve/requests/<int:request_id>/",
        reserves.reserve_request_act,
        name="reserve_request_act",
    ),
    path("claims/<str:number>/recoveries/", reserves.recovery_open, name="recovery_open"),
    path(
        "claims/<str:number>/recoveries/<int:recovery_id>/",
        reserves.recovery_act,
        name="recovery_act",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("portal/elderly-mode/", portal.elderly_mode_switch, name="elderly_mode"),
]

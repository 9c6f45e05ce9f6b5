from django.urls import path

from claimdesk.web import views

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
    path("notifications/", views.notifications, name="notifications"),
]

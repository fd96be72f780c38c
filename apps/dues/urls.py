from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("collection/", views.collection, name="collection"),
    path("collection/open/", views.month_open_view, name="month_open"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("arrears/", views.arrears, name="arrears"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/<str:action>/", views.person_action, name="person_action"),
    path("bases/<int:pk>/<str:move>/", views.base_decide, name="base_decide"),
    path("reliefs/<int:pk>/<str:move>/", views.relief_decide_view, name="relief_decide"),
    path("committee/", views.committee, name="committee"),
    path("committee/<str:action>/", views.committee_action, name="committee_action"),
    path("summary.xlsx", views.summary_export, name="summary_export"),
    path("import/", views.import_view, name="import"),
]

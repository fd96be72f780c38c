from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("people/<int:pk>/", views.person_history, name="person"),
    path("people/<int:pk>/<str:action>/", views.person_action, name="person_action"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/incoming/", views.incoming_new, name="incoming_new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/<str:move>/", views.transfer_decide, name="transfer_decide"),
]

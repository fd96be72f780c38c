from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("schemes/<int:pk>/", views.scheme, name="scheme"),
    path("schemes/<int:pk>/progress/", views.progress_view, name="progress"),
    path("schemes/<int:pk>/export.xlsx", views.export, name="export"),
    path("schemes/<int:pk>/<str:action>/", views.scheme_action, name="scheme_action"),
    path("sheets/<int:pk>/", views.sheet_view, name="sheet"),
    path("sheets/<int:pk>/<str:action>/", views.sheet_action, name="sheet_action"),
]

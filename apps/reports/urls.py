from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/download/", views.download, name="download"),
    path("roster/import/", views.roster_import_view, name="roster_import"),
]

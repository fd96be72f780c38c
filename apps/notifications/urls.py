from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("<int:pk>/", views.reminder_open, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.settings_view, name="settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
]

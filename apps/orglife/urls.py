from django.urls import path

from . import views

app_name = "orglife"

urlpatterns = [
    path("", views.home, name="home"),
    path("compliance/", views.grid, name="grid"),
    path("compliance/export/", views.grid_export, name="grid_export"),
    path("organisations/<int:pk>/", views.node_year, name="node_year"),
    path("organisations/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("organisations/<int:pk>/<str:action>/", views.node_action, name="node_action"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/word/", views.meeting_word, name="meeting_word"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/<str:action>/", views.meeting_action, name="meeting_action"),
    path("leave/<int:pk>/<str:move>/", views.leave_decide_view, name="leave_decide"),
    path("study/declare/", views.study_declare_view, name="study_declare"),
    path("study/<int:pk>/<str:move>/", views.study_decide_view, name="study_decide"),
]

from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/<str:kind>/", views.new, name="new"),
    path("appraisals/<int:pk>/", views.appraisal_detail, name="appraisal"),
    path("appraisals/<int:pk>/ballot/", views.ballot, name="ballot"),
    path("appraisals/<int:pk>/export.xlsx", views.appraisal_export, name="appraisal_export"),
    path("appraisals/<int:pk>/<str:action>/", views.appraisal_action, name="appraisal_action"),
    path("appraisees/<int:pk>/<str:action>/", views.appraisee_action, name="appraisee_action"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/answer/", views.survey_answer_view, name="survey_answer"),
    path("surveys/<int:pk>/export.xlsx", views.survey_export, name="survey_export"),
    path("surveys/<int:pk>/<str:action>/", views.survey_action, name="survey_action"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/grade/", views.report_grade_view, name="report_grade"),
    path("reports/<int:pk>/<str:action>/", views.report_action, name="report_action"),
]

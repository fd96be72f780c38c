from django.urls import path

from . import views

app_name = "lifecycle"

urlpatterns = [
    path("", views.my_development, name="my_development"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("plan/", views.plan_calculator, name="plan"),
    path("audit/", views.compliance, name="compliance"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/record/", views.case_record, name="case_record"),
    path("cases/<int:pk>/submit/", views.submit, name="submit"),
    path("cases/<int:pk>/records/<int:record_pk>/document/", views.record_document, name="record_document"),
]
